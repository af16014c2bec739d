//! The process-wide table of runtime slots, which turns a runtime's 32-bit
//! id into the slot that other threads reach it through (see the parent
//! module's docs for the id's layout and why ids are never reused).

use std::io;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::Slot;
use crate::runtime::RuntimeId;

/// Bits of an id that name its slot.
const SLOT_BITS: u32 = 16;
/// Slots per chunk of the table. A slot is about 1.5 KiB (its spawn lanes
/// take a cache line pair each), so a chunk is small enough to allocate
/// whole for the first runtime of a process.
const CHUNK_LEN: usize = 16;
/// Chunks in the table: enough for every slot an id can name. The table
/// is 32 KiB of zeroed static memory, of which only the pages that hold
/// used pointers are ever touched.
const CHUNKS: usize = (1 << SLOT_BITS) / CHUNK_LEN;

/// The table: chunks of slots, allocated on first use.
static CHUNK_TABLE: [AtomicPtr<Slot>; CHUNKS] = [const { AtomicPtr::new(ptr::null_mut()) }; CHUNKS];

/// Which slots are free to claim. Taken only to create or drop a runtime.
struct Claims {
    /// Freed slots with the generation their next owner gets.
    free: Vec<(u32, u32)>,
    /// Slots below this have been handed out at least once.
    used: u32,
}

static CLAIMS: Mutex<Claims> = Mutex::new(Claims {
    free: Vec::new(),
    used: 0,
});

fn claims() -> MutexGuard<'static, Claims> {
    // Every update under this lock is a single push, pop or increment.
    super::lock(&CLAIMS)
}

/// The slot of runtime `id`: two loads, no lock.
pub(super) fn slot_of(id: RuntimeId) -> &'static Slot {
    let index = (id.0 & ((1 << SLOT_BITS) - 1)) as usize;
    let chunk = CHUNK_TABLE[index / CHUNK_LEN].load(Ordering::Acquire);
    assert!(!chunk.is_null(), "runtime id {} names no slot", id.0);
    // SAFETY: a non-null chunk pointer points to `CHUNK_LEN` initialized
    // slots that are never freed (see `claim`), and the index is in range.
    unsafe { &*chunk.add(index % CHUNK_LEN) }
}

/// Claims a free slot and returns the id of its next generation.
pub(super) fn claim() -> io::Result<RuntimeId> {
    let mut claims = claims();
    let (slot, generation) = match claims.free.pop() {
        Some(free) => free,
        None if claims.used < 1 << SLOT_BITS => {
            let slot = claims.used;
            let chunk = &CHUNK_TABLE[slot as usize / CHUNK_LEN];
            if chunk.load(Ordering::Relaxed).is_null() {
                let slots: Box<[Slot]> = (0..CHUNK_LEN).map(|_| Slot::default()).collect();
                // Never freed: lookups from any thread may hold a slot of
                // it at any time. Release publishes the initialized slots.
                chunk.store(Box::leak(slots).as_mut_ptr(), Ordering::Release);
            }
            claims.used += 1;
            (slot, 1)
        }
        None => {
            return Err(io::Error::other("grove: this process has used up its runtime ids"));
        }
    };
    Ok(RuntimeId(generation << SLOT_BITS | slot))
}

/// Gives `id`'s slot back, for the next generation unless it was the last.
pub(super) fn release(id: RuntimeId) {
    let (slot, generation) = (id.0 & ((1 << SLOT_BITS) - 1), id.0 >> SLOT_BITS);
    if generation < u32::MAX >> SLOT_BITS {
        claims().free.push((slot, generation + 1));
    }
}
