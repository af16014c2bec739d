//! The memory of task cells: carved from blocks by size class, and reused
//! through a free list per class.
//!
//! A task's cell is the runtime's largest cost per task, and the global
//! allocator adds to it: glibc's malloc keeps a word before each chunk and
//! rounds chunks to 16 bytes, so an 80-byte cell (a task that sleeps, with a
//! 40-byte future) takes 96. Cells carved one after another from a block
//! take exactly their class's size, a multiple of 8 bytes.
//!
//! The free lists are what Go does with its list of free goroutine structs:
//! a burst of short tasks reuses the memory of the last one instead of
//! giving it back and faulting it in again (on `benches/runtime.rs`
//! spawn_join that was half of the cost of a task). Memory goes back to the
//! OS a block at a time, when every cell of a block is free: when the
//! runtime goes idle after at least [`MIN_SCAN`] frees, and at least half as
//! many as its free lists hold, it sorts the lists by address, finds such
//! blocks and unmaps them while more than half of each list is left (a
//! block's cells go at once, so a little less may be left), and goes on at
//! each idle moment while that finds some. So a spike's memory drains in a
//! few idle moments, while a steady load pays for a scan (a sort of the
//! lists) only once per half as many frees as the lists hold.
//!
//! Only cells the runtime made on its own thread are carved. One made
//! outside (by `Handle::spawn`, mostly on another thread) comes from the
//! global allocator, where the thread that made it can reuse it; so do
//! cells larger than [`MAX_CELL`] or aligned to more than [`GRAIN`]. A
//! carved cell whose last reference goes on another thread (or while
//! another runtime is current) is sent back to its runtime with the
//! messages from other threads, and joins its free list there: that is
//! rare, since a wake from another thread hands its reference to the
//! runtime, so one message per such cell costs little, and it keeps a
//! cell from being lost to reuse. (Like any message, it wakes the loop
//! once: a host loop watching the runtime's descriptor sees it readable.)
//! Once its runtime has begun to shut down, and takes no more messages, a
//! carved cell is merely counted by its block (see `block.rs`).

use std::alloc::{self, Layout};
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use crate::runtime::RuntimeId;
use crate::runtime::shared::Remote;

mod block;

use block::Block;

/// Size classes are multiples of this. It is also the alignment of carved
/// cells, which hold pointers and so are never less aligned.
const GRAIN: usize = 8;
/// Cells larger than this, or more aligned than `GRAIN`, are not carved.
const MAX_CELL: usize = 512;
const CLASSES: usize = MAX_CELL / GRAIN;
/// The fewest frees since the last scan for free blocks that make another.
const MIN_SCAN: usize = 64;

/// The cell memory of one runtime.
pub(crate) struct Cells {
    classes: RefCell<[Class; CLASSES]>,
    /// Every block this runtime holds.
    blocks: RefCell<Vec<Block>>,
    /// Cells in the free lists.
    free: Cell<usize>,
    /// Cells freed since the last scan for free blocks.
    freed_since_scan: Cell<usize>,
    /// The last scan unmapped blocks, so the next idle moment scans again.
    draining: Cell<bool>,
}

/// One size class.
#[derive(Default)]
struct Class {
    /// Freed cells, reused last in, first out.
    free: Vec<NonNull<u8>>,
    /// The block that new cells are carved from.
    carving: Option<Block>,
}

impl Default for Cells {
    fn default() -> Cells {
        Cells {
            classes: RefCell::new(std::array::from_fn(|_| Class::default())),
            blocks: RefCell::default(),
            free: Cell::new(0),
            freed_since_scan: Cell::new(0),
            draining: Cell::new(false),
        }
    }
}

/// The size class of a cell of `layout`, and the class's size, if cells of
/// that layout are carved: any cell of a class fits any use of it.
fn class_of(layout: Layout) -> Option<(usize, usize)> {
    if layout.size() == 0 || layout.size() > MAX_CELL || layout.align() > GRAIN {
        return None;
    }
    let class = layout.size().div_ceil(GRAIN) - 1;
    Some((class, (class + 1) * GRAIN))
}

/// Allocates memory for a cell with the global allocator.
///
/// # Panics
/// Aborts on allocation failure, as `Box::new` does.
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    // SAFETY: task cells always contain a header, so the size is non-zero.
    let ptr = unsafe { alloc::alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout))
}

/// A carved cell freed where its runtime is not current, on its way back to
/// the runtime's free lists.
pub(crate) struct FreedCell {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the cell is memory that nothing uses any more; only its runtime
// touches it next, when it takes the cell back.
unsafe impl Send for FreedCell {}

/// Frees a cell of `layout`, made for runtime `runtime`, where that runtime
/// is not current: to the global allocator if it came from there, else back
/// to the runtime (see the module docs), or to its block if the runtime is
/// gone.
///
/// # Safety
/// `ptr` came from [`allocate`] with `layout` (`carved` false), or from the
/// runtime's [`Cells::take`] with `layout` (`carved` true), and is not used
/// again.
pub(crate) unsafe fn release(ptr: NonNull<u8>, layout: Layout, carved: bool, runtime: RuntimeId) {
    if !carved || class_of(layout).is_none() {
        // SAFETY: forwarded from the caller: the allocator's memory.
        return unsafe { alloc::dealloc(ptr.as_ptr(), layout) };
    }
    let cell = FreedCell { ptr, layout };
    if !Remote::find(runtime).push(|inject| inject.freed.push(cell)) {
        // SAFETY: `take` carved cells of this layout. The runtime is gone or
        // shutting down: its free lists take no more cells, and when it
        // lets the block go it counts this one as out, which this settles.
        unsafe { Block::free_elsewhere(ptr) }
    }
}

impl Cells {
    /// Memory for a cell of `layout`: a freed one of its class if there is
    /// one, else carved, or from the allocator if the layout is not carved.
    #[inline]
    pub(crate) fn take(&self, layout: Layout) -> NonNull<u8> {
        let Some((class, size)) = class_of(layout) else {
            return allocate(layout);
        };
        let mut classes = self.classes.borrow_mut();
        let class = &mut classes[class];
        if let Some(cell) = class.free.pop() {
            self.free.set(self.free.get() - 1);
            return cell;
        }
        if let Some(cell) = class.carving.and_then(|block| block.carve(size)) {
            return cell;
        }
        self.carve_from_new_block(class, size)
    }

    #[cold]
    fn carve_from_new_block(&self, class: &mut Class, size: usize) -> NonNull<u8> {
        let block = Block::map();
        self.blocks.borrow_mut().push(block);
        class.carving = Some(block);
        block.carve(size).expect("a fresh block holds a cell of any class")
    }

    /// Takes back a freed cell for reuse.
    ///
    /// # Safety
    /// `ptr` came from [`take`](Cells::take) on this runtime with the same
    /// `layout`, and is not used again.
    pub(crate) unsafe fn put(&self, ptr: NonNull<u8>, layout: Layout) {
        let Some((class, _)) = class_of(layout) else {
            // SAFETY: `take` got it from the allocator.
            return unsafe { alloc::dealloc(ptr.as_ptr(), layout) };
        };
        self.classes.borrow_mut()[class].free.push(ptr);
        self.free.set(self.free.get() + 1);
        self.freed_since_scan.set(self.freed_since_scan.get() + 1);
    }

    /// Takes back a cell that was freed elsewhere.
    ///
    /// # Safety
    /// `cell` was sent by [`release`] to this runtime: it carved it.
    pub(crate) unsafe fn put_freed(&self, cell: FreedCell) {
        // SAFETY: the caller's cell came from this runtime's `take` with
        // this layout, and is never used again.
        unsafe { self.put(cell.ptr, cell.layout) }
    }

    /// How many freed cells the free lists hold.
    #[cfg(test)]
    pub(crate) fn free_cells(&self) -> usize {
        self.free.get()
    }

    /// Called when the runtime goes idle: unmaps blocks whose cells are all
    /// free, keeping half of each free list, if enough was freed since the
    /// last look (see the module docs).
    pub(crate) fn shrink(&self) {
        let freed = self.freed_since_scan.get();
        if !self.draining.get() && (freed < MIN_SCAN || freed < self.free.get() / 2) {
            return;
        }
        self.freed_since_scan.set(0);
        let mut unmapped = Vec::new();
        for class in self.classes.borrow_mut().iter_mut() {
            unmap_free_blocks(class, &mut unmapped);
        }
        self.draining.set(!unmapped.is_empty());
        if !unmapped.is_empty() {
            unmapped.sort_unstable();
            self.blocks
                .borrow_mut()
                .retain(|block| unmapped.binary_search(block).is_err());
            let free = self.classes.borrow().iter().map(|class| class.free.len()).sum();
            self.free.set(free);
        }
    }
}

/// Sorts a free list by address and says how many of its cells each block
/// holds, in address order.
fn per_block(free: &mut [NonNull<u8>]) -> Vec<(Block, u32)> {
    free.sort_unstable();
    let mut counts: Vec<(Block, u32)> = Vec::new();
    for &cell in free.iter() {
        match counts.last_mut() {
            Some((block, count)) if *block == Block::of(cell) => *count += 1,
            _ => counts.push((Block::of(cell), 1)),
        }
    }
    counts
}

/// Unmaps the blocks of `class` whose every cell is free, while more than
/// half of its free list is left; adds them to `unmapped`.
fn unmap_free_blocks(class: &mut Class, unmapped: &mut Vec<Block>) {
    if class.free.is_empty() {
        return;
    }
    let keep = class.free.len() / 2;
    let mut left = class.free.len();
    let mut gone = Vec::new();
    for (block, free) in per_block(&mut class.free) {
        if left <= keep {
            break;
        }
        if Some(block) != class.carving && free + block.freed_elsewhere() == block.carved() {
            gone.push((block, free));
            left -= free as usize;
        }
    }
    if gone.is_empty() {
        return;
    }
    // In address order, as the list is.
    class.free.retain(|&cell| {
        gone.binary_search_by_key(&Block::of(cell), |&(block, _)| block)
            .is_err()
    });
    class.free.shrink_to(class.free.len());
    for (block, free) in gone {
        // SAFETY: this runtime owns the block, and its cells that are not in
        // the free list (now dropped from it) were all freed elsewhere.
        unsafe { block.let_go(block.carved() - free) };
        unmapped.push(block);
    }
}

impl Drop for Cells {
    fn drop(&mut self) {
        let mut free: Vec<(Block, u32)> = Vec::new();
        for class in self.classes.get_mut() {
            free.extend(per_block(&mut class.free));
        }
        free.sort_unstable();
        for block in self.blocks.get_mut().drain(..) {
            let free = free
                .binary_search_by_key(&block, |&(block, _)| block)
                .map_or(0, |at| free[at].1);
            // SAFETY: this runtime owns the block; of its carved cells,
            // `free` are in the free lists, which go away with it.
            unsafe { block.let_go(block.carved() - free) };
        }
    }
}

#[cfg(test)]
mod tests;
