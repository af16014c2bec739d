use super::*;

/// The id of a runtime that is gone: cells released for it go to their
/// block.
fn gone() -> RuntimeId {
    crate::Runtime::new().unwrap().core().id()
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 8).unwrap()
}

/// How many cells of `size` a block holds.
fn per_block_of(size: usize) -> usize {
    (block::BLOCK - block::FIRST_CELL) / size
}

#[test]
fn cells_are_carved_back_to_back_and_reused_by_class() {
    let cells = Cells::default();
    let a = cells.take(layout(80));
    let b = cells.take(layout(80));
    assert_eq!(b.as_ptr() as usize - a.as_ptr() as usize, 80, "not carved back to back");
    // SAFETY: the cell came from `take` with this layout.
    unsafe { cells.put(a, layout(80)) };
    assert_eq!(cells.free_cells(), 1);
    // A 76-byte cell shares the 80-byte class.
    let again = cells.take(Layout::from_size_align(76, 4).unwrap());
    assert_eq!(again, a);
    // SAFETY: both came from `take` with layouts of the 80-byte class.
    unsafe {
        cells.put(again, layout(80));
        cells.put(b, layout(80));
    }
}

#[test]
fn large_or_overaligned_cells_come_from_the_allocator() {
    let cells = Cells::default();
    for layout in [layout(1024), Layout::from_size_align(64, 64).unwrap()] {
        let cell = cells.take(layout);
        assert_eq!(cell.as_ptr() as usize % layout.align(), 0);
        // SAFETY: `cell` came from `take` with this layout.
        unsafe { cells.put(cell, layout) };
        assert_eq!(cells.free_cells(), 0);
    }
    assert!(cells.blocks.borrow().is_empty());
}

#[test]
fn idle_shrinks_unmap_free_blocks_down_to_the_one_being_carved() {
    let cells = Cells::default();
    let size = 512;
    let taken: Vec<_> = (0..per_block_of(size) * 4).map(|_| cells.take(layout(size))).collect();
    assert_eq!(cells.blocks.borrow().len(), 4);
    for &cell in &taken {
        // SAFETY: each came from `take` with this layout.
        unsafe { cells.put(cell, layout(size)) };
    }
    cells.shrink();
    let after_one = cells.blocks.borrow().len();
    assert!(
        (2..4).contains(&after_one),
        "one idle moment unmaps about half: {after_one} left"
    );
    cells.shrink();
    cells.shrink();
    assert_eq!(cells.blocks.borrow().len(), 1, "only the block being carved stays");
    assert_eq!(cells.free_cells(), per_block_of(size));
    cells.shrink();
    assert_eq!(cells.blocks.borrow().len(), 1);
}

#[test]
fn a_block_with_a_cell_in_use_stays_mapped() {
    let cells = Cells::default();
    let size = 512;
    let mut taken: Vec<_> = (0..per_block_of(size) * 2).map(|_| cells.take(layout(size))).collect();
    // The first block's first cell stays in use.
    let kept = taken.remove(0);
    for &cell in &taken {
        // SAFETY: each came from `take` with this layout.
        unsafe { cells.put(cell, layout(size)) };
    }
    for _ in 0..4 {
        cells.shrink();
    }
    assert_eq!(
        cells.blocks.borrow().len(),
        2,
        "a block with a cell in use was unmapped"
    );
    // SAFETY: as above.
    unsafe { cells.put(kept, layout(size)) };
    assert_eq!(cells.free_cells(), per_block_of(size) * 2);
    // Now it can go (the other is the block being carved), once enough
    // frees come: one is not enough to make a scan.
    cells.shrink();
    assert_eq!(cells.blocks.borrow().len(), 2, "one free made a scan");
    let again: Vec<_> = (0..cells.free_cells()).map(|_| cells.take(layout(size))).collect();
    for cell in again {
        // SAFETY: as above.
        unsafe { cells.put(cell, layout(size)) };
    }
    cells.shrink();
    assert_eq!(
        cells.blocks.borrow().len(),
        1,
        "the first block stayed mapped once free"
    );
}

/// Carved cells, sent to another thread to be freed there.
struct Carved(Vec<NonNull<u8>>);

// SAFETY: the cells are plain memory that no one else uses.
unsafe impl Send for Carved {}

/// While a runtime goes away, cells may be freed on other threads and
/// counted by their blocks, as its own are taken back.
#[test]
fn cells_freed_elsewhere_count_toward_their_block_being_free() {
    let cells = Cells::default();
    let size = 512;
    let taken: Vec<_> = (0..per_block_of(size) * 2).map(|_| cells.take(layout(size))).collect();
    let elsewhere_count = per_block_of(size) / 2;
    let (elsewhere, here) = taken.split_at(elsewhere_count);
    let elsewhere = Carved(elsewhere.to_vec());
    let runtime = gone();
    // The other thread frees while this one takes cells back and scans.
    let freer = std::thread::spawn(move || {
        for &cell in &{ elsewhere }.0 {
            // SAFETY: carved cells of this layout, never used again.
            unsafe { release(cell, layout(size), true, runtime) };
        }
    });
    let (first_block, second_block) = here.split_at(per_block_of(size) - elsewhere_count);
    for &cell in first_block {
        // SAFETY: each came from `take` with this layout.
        unsafe { cells.put(cell, layout(size)) };
        cells.shrink();
    }
    freer.join().unwrap();
    // Frees elsewhere do not count toward a scan; these do.
    for &cell in second_block {
        // SAFETY: as above.
        unsafe { cells.put(cell, layout(size)) };
    }
    cells.shrink();
    assert_eq!(
        cells.blocks.borrow().len(),
        1,
        "the first block was not seen to be free"
    );
}

#[test]
fn a_cell_outliving_its_runtime_s_cells_unmaps_its_block_when_freed() {
    let cells = Cells::default();
    let outliving = cells.take(layout(96));
    let freed = cells.take(layout(96));
    // SAFETY: it came from `take` with this layout.
    unsafe { cells.put(freed, layout(96)) };
    drop(cells);
    // The block is still mapped: the cell can be written.
    // SAFETY: the cell is in use, and 96 bytes long.
    unsafe { outliving.as_ptr().write_bytes(0xAB, 96) };
    // SAFETY: a carved cell of this layout, never used again. Miri's leak
    // check fails the test if this does not unmap the block.
    unsafe { release(outliving, layout(96), true, gone()) };
}
