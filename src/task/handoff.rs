//! Handing control straight to another task.

use std::task::Waker;

use crate::runtime::context;

/// Wakes the task behind `waker` so that it runs *next*, before the tasks
/// already queued: a handoff, as greenlet's `switch` passes control.
///
/// This is the building block for rendezvous primitives: hand a value to a
/// waiting task, call `wake_next` on its waker, and return `Pending` (or
/// yield), and that task runs at once. A run of handoffs is bounded, so two
/// tasks handing off to each other cannot starve the others. For a waker
/// that is not a task of the current runtime, this is `wake_by_ref`.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, future::poll_fn, rc::Rc, task::Poll};
///
/// grove::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let parked = Rc::new(RefCell::new(None));
///     let (l, p) = (log.clone(), parked.clone());
///     let receiver = grove::spawn(async move {
///         // Park once, leaving a waker behind.
///         let mut first = true;
///         poll_fn(|cx| {
///             if std::mem::take(&mut first) {
///                 *p.borrow_mut() = Some(cx.waker().clone());
///                 return Poll::Pending;
///             }
///             Poll::Ready(())
///         })
///         .await;
///         l.borrow_mut().push("receiver");
///     });
///     grove::yield_now().await; // the receiver parks
///     let l = log.clone();
///     let other = grove::spawn(async move { l.borrow_mut().push("other") });
///     let waker = parked.borrow_mut().take().unwrap();
///     grove::task::wake_next(&waker);
///     grove::yield_now().await;
///     // The receiver ran before `other`, though `other` was queued first.
///     assert_eq!(*log.borrow(), ["receiver", "other"]);
///     receiver.await.unwrap();
///     other.await.unwrap();
/// });
/// ```
#[inline]
pub fn wake_next(waker: &Waker) {
    if !context::wake_here(waker, true) {
        waker.wake_by_ref();
    }
}
