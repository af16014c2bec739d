//! A cache of freed task cells, so that a wave of spawns reuses the memory
//! of the last wave instead of going back to the allocator.
//!
//! This is what Go does with its free list of goroutine structs. It pays
//! because a burst of short tasks otherwise frees a whole heap's worth of
//! cells at once; the allocator hands that memory back to the OS, and the
//! next burst page-faults it all in again. On `benches/runtime.rs`
//! spawn_join that was half of the cost of a task.
//!
//! Cells are still individual allocations of the global allocator, so a
//! cell from the cache can be freed anywhere. Only cells the runtime made
//! from its cache come back to it: one made outside it (by `Handle::spawn`,
//! mostly on another thread) goes back to the allocator, where the thread
//! that made it can reuse it.
//! The cache keeps cells by size class (multiples of 8 bytes up to 512),
//! never more than [`MAX_BYTES`] in all, and halves itself whenever the
//! runtime goes idle, so memory from a spike drains back to the allocator.

use std::alloc::{self, Layout};
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

/// Size classes are multiples of this. It is also the alignment of cached
/// cells, which hold pointers and so are never less aligned.
const GRAIN: usize = 8;
/// Cells larger than this, or more aligned than `GRAIN`, are not cached.
const MAX_CELL: usize = 512;
const CLASSES: usize = MAX_CELL / GRAIN;
/// The most memory the cache holds.
const MAX_BYTES: usize = 64 << 20;

/// Freed cells by size class.
pub(crate) struct CellCache {
    classes: RefCell<[Vec<NonNull<u8>>; CLASSES]>,
    bytes: Cell<usize>,
}

impl Default for CellCache {
    fn default() -> CellCache {
        CellCache {
            classes: RefCell::new(std::array::from_fn(|_| Vec::new())),
            bytes: Cell::new(0),
        }
    }
}

/// The layout a cell of `layout` is really allocated with, and its class if
/// it is cacheable: cacheable cells are rounded up to their class's size
/// and aligned to `GRAIN`, so that any cell of a class fits any use of it.
fn class_layout(layout: Layout) -> (Layout, Option<usize>) {
    if layout.size() == 0 || layout.size() > MAX_CELL || layout.align() > GRAIN {
        return (layout, None);
    }
    let class = layout.size().div_ceil(GRAIN) - 1;
    (layout_of(class), Some(class))
}

/// The allocation layout of size class `class`.
fn layout_of(class: usize) -> Layout {
    Layout::from_size_align((class + 1) * GRAIN, GRAIN).expect("size classes are valid layouts")
}

/// Allocates memory for a cell with the global allocator.
///
/// # Panics
/// Aborts on allocation failure, as `Box::new` does.
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    let (layout, _) = class_layout(layout);
    // SAFETY: task cells always contain a header, so the size is non-zero.
    let ptr = unsafe { alloc::alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout))
}

/// Frees memory from [`allocate`] with the global allocator.
///
/// # Safety
/// `ptr` must come from [`allocate`] (or a cache) with the same `layout`,
/// and must not be used again.
pub(crate) unsafe fn release(ptr: NonNull<u8>, layout: Layout) {
    let (layout, _) = class_layout(layout);
    // SAFETY: the caller passes memory allocated by `allocate` with this
    // layout, and it is rounded the same way here as there.
    unsafe { alloc::dealloc(ptr.as_ptr(), layout) }
}

impl CellCache {
    /// Memory for a cell of `layout`: a cached one if there is one.
    pub(crate) fn take(&self, layout: Layout) -> NonNull<u8> {
        if let (rounded, Some(class)) = class_layout(layout) {
            if let Some(ptr) = self.classes.borrow_mut()[class].pop() {
                self.bytes.set(self.bytes.get() - rounded.size());
                return ptr;
            }
        }
        allocate(layout)
    }

    /// Keeps a freed cell for reuse, or frees it if it is not cacheable or
    /// the cache is full.
    ///
    /// # Safety
    /// As for [`release`].
    pub(crate) unsafe fn put(&self, ptr: NonNull<u8>, layout: Layout) {
        if let (rounded, Some(class)) = class_layout(layout) {
            if self.bytes.get() + rounded.size() <= MAX_BYTES {
                self.classes.borrow_mut()[class].push(ptr);
                self.bytes.set(self.bytes.get() + rounded.size());
                return;
            }
        }
        // SAFETY: forwarded from the caller.
        unsafe { release(ptr, layout) }
    }

    /// How many bytes of freed cells the cache holds.
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.bytes.get()
    }

    /// Frees half of every class: called when the runtime goes idle, so
    /// that the memory of a spike drains back to the allocator.
    pub(crate) fn shrink(&self) {
        if self.bytes.get() == 0 {
            return;
        }
        let mut classes = self.classes.borrow_mut();
        for (class, cells) in classes.iter_mut().enumerate() {
            let keep = cells.len() / 2;
            for ptr in cells.drain(keep..) {
                // SAFETY: cached cells were allocated with their class's
                // layout (see `class_layout`) and are unused.
                unsafe { alloc::dealloc(ptr.as_ptr(), layout_of(class)) };
                self.bytes.set(self.bytes.get() - layout_of(class).size());
            }
            cells.shrink_to(keep);
        }
    }
}

impl Drop for CellCache {
    fn drop(&mut self) {
        for (class, cells) in self.classes.get_mut().iter_mut().enumerate() {
            for ptr in cells.drain(..) {
                // SAFETY: as in `shrink`.
                unsafe { alloc::dealloc(ptr.as_ptr(), layout_of(class)) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_cells_of_the_same_class_and_drains_when_idle() {
        let cache = CellCache::default();
        let layout = Layout::from_size_align(72, 8).unwrap();
        let cell = cache.take(layout);
        // SAFETY: `cell` came from `take` with this layout.
        unsafe { cache.put(cell, layout) };
        // A 68-byte cell shares the 72-byte class.
        let again = cache.take(Layout::from_size_align(68, 4).unwrap());
        assert_eq!(again, cell);
        // SAFETY: as above; same class.
        unsafe { cache.put(again, layout) };
        assert_eq!(cache.bytes.get(), 72);
        cache.shrink();
        assert_eq!(cache.bytes.get(), 0, "one cell: half of it rounds down to none kept");
    }

    #[test]
    fn large_or_overaligned_cells_bypass_the_cache() {
        let cache = CellCache::default();
        for layout in [
            Layout::from_size_align(1024, 8).unwrap(),
            Layout::from_size_align(64, 64).unwrap(),
        ] {
            let cell = cache.take(layout);
            assert_eq!(cell.as_ptr() as usize % layout.align(), 0);
            // SAFETY: `cell` came from `take` with this layout.
            unsafe { cache.put(cell, layout) };
            assert_eq!(cache.bytes.get(), 0);
        }
    }
}
