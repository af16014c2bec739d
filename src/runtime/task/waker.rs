//! The waker of a task: a pointer to its cell and one reference.
//!
//! Waking on the runtime's own thread pushes the task onto the run queue
//! directly. Waking from any other thread (or for a runtime that is not the
//! one current on this thread) goes through that runtime's inject queue,
//! which wakes its `mio::Poll` (see `runtime/shared.rs`).
//!
//! Where one waker is kept per task or per timer, it is kept as a
//! [`SlimWaker`]: one word instead of a `Waker`'s two.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::RawTask;
use crate::runtime::{context, shared};

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

/// A waker kept in one word. A grove task's waker, by far the most common
/// one to keep, is its cell pointer and the reference it owns; any other
/// waker is boxed, and its pointer carries [`BOXED`] in the low bit, which
/// is free because cells and boxed wakers are both pointer-aligned.
///
/// It saves a word in every task's header (the joiner's waker) and in every
/// armed timer, at the price of an allocation for a foreign waker.
pub(crate) struct SlimWaker(NonNull<()>);

/// The tag of a boxed foreign waker.
const BOXED: usize = 1;

/// What a [`SlimWaker`] holds, borrowed.
enum Kept<'a> {
    Task(RawTask),
    Foreign(&'a Waker),
}

// SAFETY: a `SlimWaker` owns what a `Waker` for the same target would: a
// task reference (task wakers are `Send + Sync`: the count is atomic and
// waking routes through the owning runtime) or a boxed `Waker`, which is
// `Send + Sync` itself.
unsafe impl Send for SlimWaker {}
// SAFETY: as for `Send`; shared access only wakes by reference or compares.
unsafe impl Sync for SlimWaker {}

impl SlimWaker {
    /// Keeps a clone of `waker`.
    pub(crate) fn new(waker: &Waker) -> SlimWaker {
        match task_of(waker) {
            Some(task) => {
                task.ref_inc();
                // SAFETY: `as_ptr` of a cell is non-null.
                SlimWaker(unsafe { NonNull::new_unchecked(task.as_ptr().cast_mut()) })
            }
            None => {
                let boxed = NonNull::from(Box::leak(Box::new(waker.clone())));
                SlimWaker(boxed.cast::<()>().map_addr(|addr| addr | BOXED))
            }
        }
    }

    fn kept(&self) -> Kept<'_> {
        if self.0.addr().get() & BOXED == 0 {
            // SAFETY: an untagged pointer is a task cell's, and `self` owns
            // a reference to it.
            Kept::Task(unsafe { RawTask::from_ptr(self.0.as_ptr()) })
        } else {
            // SAFETY: a tagged pointer is a leaked `Box<Waker>` with the tag
            // added, which `self` owns until it is dropped.
            Kept::Foreign(unsafe { &*self.boxed() })
        }
    }

    /// The box of a foreign waker, untagged.
    fn boxed(&self) -> *mut Waker {
        self.0.as_ptr().map_addr(|addr| addr & !BOXED).cast()
    }

    /// Whether waking `self` would wake the same task as `waker`.
    pub(crate) fn will_wake(&self, waker: &Waker) -> bool {
        match self.kept() {
            Kept::Task(task) => task_of(waker) == Some(task),
            Kept::Foreign(kept) => kept.will_wake(waker),
        }
    }

    /// Gives the waker back in its usual form, with what `self` owned.
    pub(crate) fn into_waker(self) -> Waker {
        let this = ManuallyDrop::new(self);
        match this.kept() {
            // SAFETY: the raw waker follows the contract of `VTABLE`, and
            // takes over the reference `self` owned.
            Kept::Task(task) => unsafe { Waker::from_raw(raw(task)) },
            // SAFETY: the box `self` owned; `this` is not dropped.
            Kept::Foreign(_) => *unsafe { Box::from_raw(this.boxed()) },
        }
    }
}

impl Drop for SlimWaker {
    fn drop(&mut self) {
        match self.kept() {
            Kept::Task(task) => task.ref_dec(),
            // SAFETY: the box `self` owns, dropped once, here.
            Kept::Foreign(_) => drop(unsafe { Box::from_raw(self.boxed()) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Poll, Wake, Waker};

    use super::{Kept, SlimWaker};

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_foreign_waker_is_boxed_and_given_back_whole() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let slim = SlimWaker::new(&waker);
        assert!(matches!(slim.kept(), Kept::Foreign(_)));
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
    fn a_task_waker_is_kept_as_its_cell_with_a_reference() {
        crate::run(async {
            let task = crate::spawn(async {
                let waker = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
                let slim = SlimWaker::new(&waker);
                let Kept::Task(task) = slim.kept() else {
                    panic!("a task's waker was boxed");
                };
                assert_eq!(task.id(), crate::task::current().id());
                assert!(slim.will_wake(&waker) && !slim.will_wake(Waker::noop()));
                let back = slim.into_waker();
                assert!(back.will_wake(&waker));
                // Waking the task (it is running) only queues it again.
                back.wake();
                drop(SlimWaker::new(&waker));
            });
            task.await.unwrap();
        });
    }
}
