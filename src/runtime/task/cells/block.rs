//! Blocks that task cells are carved from, and who may free them.
//!
//! A block is [`BLOCK`] bytes aligned to its size, so any cell finds its
//! block's header by clearing the low bits of its own address. All the
//! cells of a block have one size class. The runtime that mapped a block
//! (its owner) carves cells from it in order and keeps its freed cells in
//! its own free lists, so taking and freeing a cell leaves the header alone:
//! it is touched when a cell is carved, and when a cell is freed where the
//! owner cannot take it back.
//!
//! That happens when the last reference to a task goes after its runtime
//! has begun to shut down (before, a cell freed on another thread is sent
//! back to it: see `mod.rs`). Such a cell is not reused: the freeing
//! thread only counts it in the block's atomic `out` count, and the block
//! is given back once every cell is. While the owner holds the block, `out`
//! carries an extra [`OWNED`], so no count from other threads can reach zero
//! first. When the owner lets the block go, it takes [`OWNED`] away and
//! adds the cells it knows are still out (carved, and not in its free
//! lists); whoever brings `out` to zero, owner or not, gives it back.
//!
//! The memory is mapped from the OS, not the allocator: the allocator would
//! pad an aligned 64 KiB block with resident slack (a probe measured 1.12
//! bytes resident per byte), where an over-sized mapping trimmed to an
//! aligned one costs only the pages that cells touch. Should `mmap` fail
//! (a process has a limit on its mappings, 65,530 by default on Linux, and
//! each block freed out of order can be one), the block comes from the
//! allocator instead, as it always does under Miri, which has no `mmap`.

use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

/// The size and alignment of a block.
pub(super) const BLOCK: usize = 64 << 10;

/// Added to `out` while the owner holds the block: far above the number of
/// cells a block can hold.
const OWNED: u32 = 1 << 31;

/// The start of every block. Cells follow it, aligned to 8.
#[repr(C, align(8))]
struct Header {
    /// [`OWNED`] while the owner holds the block, minus the cells freed
    /// elsewhere; after the owner lets go, the cells still out.
    out: AtomicU32,
    /// How many cells have been carved. Only the owner touches it.
    carved: Cell<u32>,
    /// Where the memory came from. Immutable.
    source: os::Source,
}

/// Where the first cell of a block starts.
pub(super) const FIRST_CELL: usize = size_of::<Header>();

/// A block, by its header's address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) struct Block(NonNull<Header>);

impl Block {
    /// Maps a new block, held by the caller as its owner. Aborts when the
    /// memory cannot be had, as `Box::new` does.
    pub(super) fn map() -> Block {
        let (memory, source) = os::map();
        let header = memory.cast::<Header>();
        // SAFETY: fresh memory, aligned to `BLOCK`, which is more than the
        // header's size and alignment.
        unsafe {
            header.write(Header {
                out: AtomicU32::new(OWNED),
                carved: Cell::new(0),
                source,
            })
        };
        Block(header)
    }

    /// The block that `cell` was carved from.
    pub(super) fn of(cell: NonNull<u8>) -> Block {
        Block(cell.map_addr(|addr| addr_of_block(addr.get())).cast())
    }

    fn header(&self) -> &Header {
        // SAFETY: a block is unmapped only when no cell is out and its owner
        // has let it go, and then nobody holds a `Block` for it any more.
        // The header's fields are an atomic and a cell only the owner
        // touches, so sharing it between threads races on nothing.
        unsafe { self.0.as_ref() }
    }

    /// Carves the next cell of `size` bytes, if the block has room.
    /// Owner only.
    pub(super) fn carve(&self, size: usize) -> Option<NonNull<u8>> {
        let carved = self.header().carved.get();
        let start = FIRST_CELL + carved as usize * size;
        if start + size > BLOCK {
            return None;
        }
        self.header().carved.set(carved + 1);
        // SAFETY: `start + size` is within the block, so the pointer stays in
        // its mapping.
        Some(unsafe { self.0.cast::<u8>().add(start) })
    }

    /// How many cells have been carved. Owner only.
    pub(super) fn carved(&self) -> u32 {
        self.header().carved.get()
    }

    /// How many cells were freed elsewhere while the owner held the block.
    /// Owner only. The acquire pairs with the release of their frees, so
    /// once this says every cell is back, nothing else touches the block.
    pub(super) fn freed_elsewhere(&self) -> u32 {
        OWNED - self.header().out.load(Ordering::Acquire)
    }

    /// The owner lets the block go, with `out` of its carved cells not in
    /// its free lists (in use, or freed elsewhere). The block is unmapped
    /// now if none of those is still in use, or else by the last
    /// [`free_elsewhere`](Block::free_elsewhere).
    ///
    /// # Safety
    /// The caller is the owner, and `out` is exactly the number of cells it
    /// carved and has not had back. It never touches the block again.
    pub(super) unsafe fn let_go(self, out: u32) {
        debug_assert!(out <= self.carved());
        // SAFETY: the caller's `out` counts every cell still in use or freed
        // elsewhere, so the count ends at zero only when none is in use.
        unsafe { self.sub(OWNED - out) }
    }

    /// Frees `cell` where its owner cannot take it back: after the owner is
    /// gone, or is going. It is never reused; the block is unmapped when it
    /// was the last one out and the owner has let the block go.
    ///
    /// # Safety
    /// `cell` was carved from a block and is not used again.
    pub(super) unsafe fn free_elsewhere(cell: NonNull<u8>) {
        // SAFETY: forwarded; a cell in use keeps its block mapped.
        unsafe { Block::of(cell).sub(1) }
    }

    /// Takes `n` from `out`, unmapping the block when that leaves zero.
    ///
    /// # Safety
    /// `n` is owed: no one takes more from `out` than was put in, and once
    /// it reaches zero nobody touches the block.
    unsafe fn sub(self, n: u32) {
        // Release: this thread's use of its cells happens before the unmap,
        // whoever does it; acquire: the others' uses happen before this
        // one's. (Off the hot path, so no fence is worth saving here.)
        if self.header().out.fetch_sub(n, Ordering::AcqRel) == n {
            let source = self.header().source;
            // SAFETY: zero means the owner let go and no cell is in use.
            unsafe { os::unmap(self.0.cast(), source) }
        }
    }
}

/// The address of the block that holds `addr`.
fn addr_of_block(addr: usize) -> std::num::NonZeroUsize {
    std::num::NonZeroUsize::new(addr & !(BLOCK - 1)).expect("blocks are never at address zero")
}

mod os {
    use std::alloc::{self, Layout};
    use std::ptr::NonNull;

    use super::BLOCK;

    /// Where a block's memory came from.
    #[derive(Clone, Copy, Debug)]
    pub(super) enum Source {
        /// `mmap`, trimmed to an aligned block.
        #[cfg_attr(miri, allow(dead_code))]
        Mapped,
        /// The global allocator, with the block's size as alignment.
        Allocator,
    }

    fn layout() -> Layout {
        Layout::from_size_align(BLOCK, BLOCK).expect("a block is a valid layout")
    }

    /// A fresh block, aligned to its size. Aborts if there is no memory.
    pub(super) fn map() -> (NonNull<u8>, Source) {
        #[cfg(not(miri))]
        if let Some(block) = map_aligned() {
            return (block, Source::Mapped);
        }
        // SAFETY: the layout's size is not zero.
        let memory = unsafe { alloc::alloc(layout()) };
        let memory = NonNull::new(memory).unwrap_or_else(|| alloc::handle_alloc_error(layout()));
        (memory, Source::Allocator)
    }

    /// Twice a block's size mapped, then trimmed to the aligned part; `None`
    /// if the mapping fails.
    #[cfg(not(miri))]
    fn map_aligned() -> Option<NonNull<u8>> {
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing touches no existing memory.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                2 * BLOCK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        let base = base.cast::<u8>();
        // Page-aligned, so the aligned block starts within the first BLOCK.
        let head = (BLOCK - (base.addr() & (BLOCK - 1))) & (BLOCK - 1);
        // SAFETY: both ranges lie inside the mapping just made and outside
        // the aligned block that is kept; `head < BLOCK`, so the block fits.
        // Should a trim fail, its pages stay mapped and unused: no harm.
        unsafe {
            if head > 0 {
                libc::munmap(base.cast(), head);
            }
            libc::munmap(base.add(head + BLOCK).cast(), BLOCK - head);
        }
        NonNull::new(base.wrapping_add(head))
    }

    /// Gives back a block from [`map`].
    ///
    /// # Safety
    /// `block` came from [`map`] with `source`, and nothing uses it any more.
    pub(super) unsafe fn unmap(block: NonNull<u8>, source: Source) {
        match source {
            Source::Mapped => {
                // SAFETY: forwarded from the caller. Should it fail (unmapping
                // from the middle of a mapping splits it, which a process at
                // its limit of mappings is refused), the block stays mapped,
                // unused: a leak, where a panic here could be in a drop on
                // any thread.
                unsafe { libc::munmap(block.as_ptr().cast(), BLOCK) };
            }
            // SAFETY: forwarded from the caller.
            Source::Allocator => unsafe { alloc::dealloc(block.as_ptr(), layout()) },
        }
    }
}
