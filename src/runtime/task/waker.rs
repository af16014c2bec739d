//! The waker of a task: a pointer to its cell and one reference.
//!
//! Waking on the runtime's own thread pushes the task onto the run queue
//! directly. Waking from any other thread (or for a runtime that is not the
//! one current on this thread) goes through that runtime's inject queue,
//! which wakes its `mio::Poll` (see `runtime/shared.rs`).

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
