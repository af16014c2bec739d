//! The future passed to `block_on` is not a task (it may borrow from the
//! caller's stack), but it is scheduled like one: its waker queues it in the
//! run queue, in FIFO order with the tasks.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::context;
use super::core::Core;
use super::scheduler::Current;
use super::scheduler::Turn;
use super::shared::Remote;
use super::task::TaskId;

/// Wakes the `block_on` future of one runtime.
struct MainWaker {
    remote: Remote,
}

impl MainWaker {
    fn wake(&self) {
        let here = context::with_current(|core| {
            core.is(self.remote.id())
                .then(|| core.scheduler().schedule_main(Turn::Back))
        });
        if here.flatten().is_none() {
            self.remote.push(|inject| inject.main = true);
        }
    }
}

/// The vtable of every main waker: its data pointer is an `Arc<MainWaker>`
/// from `Arc::into_raw`, and each live `RawWaker` owns one count of it.
/// A static of grove's own, rather than `Wake`'s, so that `SlimWaker` can
/// tell a main waker by its vtable and keep it as its data pointer alone.
pub(crate) static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

// The low bits `SlimWaker` tags its words with.
const _: () = assert!(std::mem::align_of::<MainWaker>() >= 4);

// Main wakers are sent and shared across threads, as every `Waker` may be;
// `Wake` checked this before the vtable was written by hand.
const _: fn() = || {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<MainWaker>();
};

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: `ptr` comes from a live main waker, which owns a count.
    unsafe { Arc::increment_strong_count(ptr.cast::<MainWaker>()) };
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: `ptr` comes from a live main waker, whose count this takes.
    let waker = unsafe { Arc::from_raw(ptr.cast::<MainWaker>()) };
    waker.wake();
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: `ptr` comes from a live main waker, which keeps it alive.
    unsafe { &*ptr.cast::<MainWaker>() }.wake();
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: `ptr` comes from a live main waker, whose count this gives back.
    drop(unsafe { Arc::from_raw(ptr.cast::<MainWaker>()) });
}

/// The `block_on` future's identity while it runs: its waker, and the task
/// id that `task::current()` and task-locals see inside it.
pub(super) struct MainTask<'a> {
    core: &'a Core,
    id: TaskId,
    waker: Waker,
}

impl<'a> MainTask<'a> {
    /// The `block_on` future called at `location`.
    pub(super) fn new(core: &'a Core, location: &'static Location<'static>) -> MainTask<'a> {
        let main = Arc::into_raw(Arc::new(MainWaker { remote: core.remote() }));
        // SAFETY: the raw waker follows the contract of `VTABLE`, and owns
        // the count `into_raw` kept.
        let waker = unsafe { Waker::from_raw(RawWaker::new(main.cast(), &VTABLE)) };
        core.set_main_waker(Some(waker.clone()));
        let id = TaskId::next();
        if let Some(observer) = core.observer() {
            observer.main_started(id, location);
        }
        MainTask { core, id, waker }
    }

    pub(super) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Runs `poll`, a poll of the `block_on` future, counted and watched as
    /// a task's poll is.
    pub(super) fn poll<R>(&self, poll: impl FnOnce() -> R) -> R {
        self.core.counters().polled();
        if let Some(observer) = self.core.observer() {
            observer.polling(self.id);
        }
        self.enter(poll)
    }

    /// Runs `f` with the `block_on` future as the current task.
    /// The guard restores the previous task even if `f` unwinds, as it does
    /// for tasks (see `Scheduler::enter`).
    fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _current = self.core.scheduler().enter(Current {
            id: self.id,
            task: None,
        });
        f()
    }
}

/// The `block_on` future, dropped as the `block_on` task: once it is
/// ready, or on a panic's unwind, its destructors see the task's locals
/// and `task::current()`, as a spawned task's do.
pub(super) struct MainFuture<'m, 'a, F> {
    main: &'m MainTask<'a>,
    future: Pin<&'m mut Option<F>>,
}

impl<'a> MainTask<'a> {
    /// Takes charge of dropping `future`, the `block_on` future.
    pub(super) fn own<'m, F>(&'m self, future: Pin<&'m mut Option<F>>) -> MainFuture<'m, 'a, F> {
        MainFuture { main: self, future }
    }
}

impl<F: Future> MainFuture<'_, '_, F> {
    /// Polls the future, within [`MainTask::poll`], and drops it once it is
    /// ready. Not to be called again after that.
    pub(super) fn poll(&mut self) -> Poll<F::Output> {
        let future = self
            .future
            .as_mut()
            .as_pin_mut()
            .expect("block_on's future polled after it completed");
        let poll = future.poll(&mut Context::from_waker(self.main.waker()));
        if poll.is_ready() {
            self.future.set(None);
        }
        poll
    }
}

impl<F> Drop for MainFuture<'_, '_, F> {
    fn drop(&mut self) {
        if self.future.is_some() {
            self.main.enter(|| self.future.set(None));
        }
    }
}

impl Drop for MainTask<'_> {
    fn drop(&mut self) {
        self.core.set_main_waker(None);
        if let Some(observer) = self.core.observer() {
            observer.main_ended(self.id);
        }
        // Task-local destructors run as the future they belonged to.
        self.enter(|| self.core.locals().remove(self.id));
    }
}
