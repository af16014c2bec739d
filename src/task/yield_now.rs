//! Letting other tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets every other ready task run once, then resumes: gevent's `sleep(0)`.
///
/// The task goes to the back of the run queue. The runtime also checks I/O
/// and timers every so many tasks, so a loop of `yield_now` cannot starve
/// sockets or timers.
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// grove::run(async {
///     let ran = Rc::new(Cell::new(false));
///     let flag = ran.clone();
///     let _task = grove::spawn(async move { flag.set(true) });
///     assert!(!ran.get());
///     grove::yield_now().await;
///     assert!(ran.get());
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping it at any point leaves nothing behind.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let yielding: grove::task::YieldNow = grove::yield_now();
///     yielding.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
