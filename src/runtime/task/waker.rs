//! The waker of a task: a pointer to its cell and one reference.
//!
//! Waking on the runtime's own thread pushes the task onto the run queue
//! directly. Waking from any other thread (or for a runtime that is not the
//! one current on this thread) goes through that runtime's inject queue,
//! which wakes its `mio::Poll` (see `runtime/shared/`).
//!
//! Where one waker is kept per task or per timer, it is kept as a
//! [`SlimWaker`]: one word instead of a `Waker`'s two.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::RawTask;
use crate::runtime::{context, main_waker, shared};

/// The vtable of every task waker. Its data pointer is `RawTask::as_ptr`,
/// and each live `RawWaker` (other than the borrowed one made by
/// `RawTask::waker_ref`) owns one reference to the cell.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A raw waker for `task` that does not take a reference of its own.
pub(crate) fn raw(task: RawTask) -> RawWaker {
    RawWaker::new(task.as_ptr(), &VTABLE)
}

/// The task behind `waker`, if it is a grove task waker.
#[inline]
pub(crate) fn task_of(waker: &Waker) -> Option<RawTask> {
    if std::ptr::eq(waker.vtable(), &VTABLE) {
        // SAFETY: only this module builds wakers with `VTABLE`, always with
        // a pointer from `RawTask::as_ptr`, and `waker` keeps it referenced.
        Some(unsafe { RawTask::from_ptr(waker.data()) })
    } else {
        None
    }
}

/// A waker of its own for `task` (one more reference).
pub(crate) fn waker(task: RawTask) -> Waker {
    task.ref_inc();
    // SAFETY: the raw waker follows the contract of `VTABLE` and owns the
    // reference just taken.
    unsafe { Waker::from_raw(raw(task)) }
}

/// Schedules `task`, which the caller keeps referenced for the call.
pub(crate) fn wake_task(task: RawTask) {
    let runtime = task.header().runtime;
    let woken_here = context::with_current(|core| core.is(runtime).then(|| core.scheduler().schedule(task)).is_some());
    if woken_here != Some(true) && task.queue_remote() {
        shared::wake_remote(runtime, task);
    }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: `ptr` comes from a live waker of `VTABLE`.
    let task = unsafe { RawTask::from_ptr(ptr) };
    task.ref_inc();
    raw(task)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: `ptr` comes from a live waker of `VTABLE`; its reference is
    // given back below.
    let task = unsafe { RawTask::from_ptr(ptr) };
    wake_task(task);
    task.ref_dec();
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: `ptr` comes from a live waker of `VTABLE`.
    wake_task(unsafe { RawTask::from_ptr(ptr) });
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: `ptr` comes from a live waker of `VTABLE`, which owned one
    // reference.
    unsafe { RawTask::from_ptr(ptr) }.ref_dec();
}

/// A waker kept in one word. A waker with one of grove's own vtables (a
/// task's, by far the most common one to keep, or a `block_on` future's)
/// is kept as its data pointer, which owns what the waker owned, with the
/// vtable's tag in the low bits; any other waker is boxed. The low two bits
/// are free: cells, the main waker's `Arc` and boxed wakers are all at
/// least 4-aligned.
///
/// It saves a word in every task's header (the joiner's waker) and in every
/// armed timer, at the price of an allocation for a foreign waker.
pub(crate) struct SlimWaker(NonNull<()>);

// The tags' room: cells (`raw.rs`) and the main waker's data
// (`main_waker.rs`) assert their alignment; this is the boxes'.
const _: () = assert!(std::mem::align_of::<Waker>() >= 4);

/// The tags: a task's waker, a boxed foreign one, a main waker.
const TASK: usize = 0;
const BOXED: usize = 1;
const MAIN: usize = 2;
const TAG: usize = 3;

/// The vtable that `tag` stands for, if it is one of grove's.
fn vtable_of(tag: usize) -> Option<&'static RawWakerVTable> {
    match tag {
        TASK => Some(&VTABLE),
        MAIN => Some(&main_waker::VTABLE),
        _ => None,
    }
}

// SAFETY: a `SlimWaker` owns what the `Waker` it was made from owned, or a
// boxed `Waker`; wakers are `Send + Sync`.
unsafe impl Send for SlimWaker {}
// SAFETY: as for `Send`; shared access only compares.
unsafe impl Sync for SlimWaker {}

impl SlimWaker {
    /// Keeps a clone of `waker`.
    pub(crate) fn new(waker: &Waker) -> SlimWaker {
        SlimWaker::unboxed(waker.clone()).unwrap_or_else(|waker| {
            let boxed = NonNull::from(Box::leak(Box::new(waker)));
            SlimWaker(boxed.cast::<()>().map_addr(|addr| addr | BOXED))
        })
    }

    /// Keeps `waker` if it is one of grove's own, which need no box; gives
    /// any other back.
    #[inline]
    pub(crate) fn unboxed(waker: Waker) -> Result<SlimWaker, Waker> {
        let tag = if std::ptr::eq(waker.vtable(), &VTABLE) {
            TASK
        } else if std::ptr::eq(waker.vtable(), &main_waker::VTABLE) {
            MAIN
        } else {
            return Err(waker);
        };
        let data = ManuallyDrop::new(waker).data();
        debug_assert_eq!(data.addr() & TAG, 0, "a waker's data is 4-aligned");
        // SAFETY: grove's wakers have non-null data pointers: cells and
        // `Arc`s.
        Ok(SlimWaker(
            unsafe { NonNull::new_unchecked(data.cast_mut()) }.map_addr(|addr| addr | tag),
        ))
    }

    /// The word itself, for a keeper that packs it among words of its own:
    /// never null, and its low bit is clear unless the waker is boxed.
    pub(crate) fn into_raw(self) -> NonNull<()> {
        ManuallyDrop::new(self).0
    }

    /// The waker whose word [`into_raw`](SlimWaker::into_raw) gave.
    ///
    /// # Safety
    /// `word` must come from `into_raw`, and be turned back only once, but
    /// for copies that are never dropped (in `ManuallyDrop`), which only
    /// borrow it.
    pub(crate) unsafe fn from_raw(word: NonNull<()>) -> SlimWaker {
        SlimWaker(word)
    }

    /// The kept pointer, untagged, and the vtable it goes with (`None`: it
    /// is a `Box<Waker>`).
    fn parts(&self) -> (*mut (), Option<&'static RawWakerVTable>) {
        let ptr = self.0.as_ptr();
        (ptr.map_addr(|addr| addr & !TAG), vtable_of(ptr.addr() & TAG))
    }

    /// Whether waking `self` would wake the same task as `waker`.
    pub(crate) fn will_wake(&self, waker: &Waker) -> bool {
        match self.parts() {
            (data, Some(vtable)) => std::ptr::eq(waker.vtable(), vtable) && waker.data() == data.cast_const(),
            // SAFETY: the box `self` owns until it is dropped.
            (boxed, None) => unsafe { &*boxed.cast::<Waker>() }.will_wake(waker),
        }
    }

    /// Gives the waker back in its usual form, with what `self` owned.
    pub(crate) fn into_waker(self) -> Waker {
        // SAFETY: `this` is neither used nor dropped after.
        unsafe { ManuallyDrop::new(self).take() }
    }

    /// The waker `self` was made from (for a foreign one, its boxed clone),
    /// owning what `self` owns.
    ///
    /// # Safety
    /// `self` must not be used or dropped afterwards.
    unsafe fn take(&self) -> Waker {
        match self.parts() {
            // SAFETY: the data and vtable of the waker `self` was made
            // from, which now owns what `self` owned (the caller's promise).
            (data, Some(vtable)) => unsafe { Waker::new(data, vtable) },
            // SAFETY: the box `self` owns, taken once (the caller's promise).
            (boxed, None) => *unsafe { Box::from_raw(boxed.cast::<Waker>()) },
        }
    }
}

impl Drop for SlimWaker {
    fn drop(&mut self) {
        // SAFETY: `self` is dropped here, and not used after.
        drop(unsafe { self.take() });
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Poll, Wake, Waker};

    use super::{SlimWaker, VTABLE};
    use crate::runtime::main_waker;

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The vtable `slim` keeps its waker's data pointer with, if any.
    fn kept_vtable(slim: &SlimWaker) -> Option<*const std::task::RawWakerVTable> {
        slim.parts().1.map(|vtable| vtable as *const _)
    }

    #[test]
    fn a_foreign_waker_is_boxed_and_given_back_whole() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let slim = SlimWaker::new(&waker);
        assert_eq!(kept_vtable(&slim), None);
        // Miri gives each use of a vtable its own address, so `will_wake`
        // finds no two `Arc` wakers equal there.
        assert!(cfg!(miri) || slim.will_wake(&waker));
        assert!(!slim.will_wake(Waker::noop()));
        assert_eq!(Arc::strong_count(&counter), 3);
        slim.into_waker().wake();
        assert_eq!(counter.0.load(Ordering::Relaxed), 1);
        drop(SlimWaker::new(&waker));
        assert_eq!(Arc::strong_count(&counter), 2, "a dropped slim waker keeps its clone");
    }

    #[test]
    fn task_and_main_wakers_are_kept_as_their_data_pointer() {
        crate::run(async {
            let main = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
            let slim = SlimWaker::new(&main);
            assert_eq!(kept_vtable(&slim), Some(&main_waker::VTABLE as *const _));
            assert!(slim.will_wake(&main) && !slim.will_wake(Waker::noop()));
            let task = crate::spawn(async {
                let waker = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
                let slim = SlimWaker::new(&waker);
                assert_eq!(kept_vtable(&slim), Some(&VTABLE as *const _));
                assert!(slim.will_wake(&waker) && !slim.will_wake(Waker::noop()));
                let back = slim.into_waker();
                assert!(back.will_wake(&waker));
                // Waking the task (it is running) only queues it again.
                back.wake();
                drop(SlimWaker::new(&waker));
            });
            task.await.unwrap();
            // The main future wakes itself through its slim waker, and is
            // polled again.
            slim.into_waker().wake();
            crate::yield_now().await;
        });
    }
}
