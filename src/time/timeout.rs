//! Putting a deadline on a future.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::{Sleep, sleep};

/// Runs `future`, giving up after `duration`: gevent's `Timeout`.
///
/// Gives `Ok` with the future's output if it finishes first, and
/// `Err(Elapsed)` otherwise, in which case the future is dropped with the
/// `Timeout`. On the first poll the future is polled before the deadline is
/// checked, so one that is ready at once wins even over a deadline already
/// past; once the deadline's timer has fired, it is checked first, so a
/// future that keeps working (yielding for its cooperative budget, say)
/// is not polled again. The deadline is checked outside the task's budget:
/// a future that spent it cannot keep its timeout from firing. The
/// deadline is fixed when `timeout` is called, as [`sleep`]'s is: a long
/// one on the coarse clock, so it may fire up to 1% late.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let quick = grove::timeout(Duration::from_secs(1), async { 5 }).await;
///     assert_eq!(quick, Ok(5));
///     let slow = grove::timeout(Duration::from_millis(1), std::future::pending::<()>()).await;
///     assert!(slow.is_err());
/// });
/// ```
///
/// # Cancel safety
///
/// As cancel-safe as `future` itself: when the deadline passes, `future` is
/// dropped, and grove's own waiting operations lose nothing when dropped.
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
    }
}

pin_project! {
    /// The future of [`timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let t: grove::time::Timeout<_> = grove::timeout(Duration::from_secs(1), async { 2 });
    ///     assert_eq!(t.await, Ok(2));
    /// });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let t = grove::timeout(Duration::from_secs(1), std::future::ready(1));
    /// let _inner: &std::future::Ready<i32> = t.get_ref();
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.sleep.has_fired() {
            return Poll::Ready(Err(Elapsed(())));
        }
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        this.sleep.poll_deadline(cx).map(|_| Err(Elapsed(())))
    }
}

/// The error of a [`timeout`] whose deadline passed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let err = grove::timeout(Duration::ZERO, std::future::pending::<()>()).await.unwrap_err();
///     let io: std::io::Error = err.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}
