//! The cooperative budget, from the task's side: opting out of it, and
//! spending it by hand.
//!
//! Every grove operation that can complete without waiting (socket reads
//! and writes, accepts, queue and channel puts and gets, semaphore and lock
//! acquires, timers already due, joins of finished tasks) counts against
//! the running task's budget of 256 per poll. Once it is spent, the next
//! such operation returns `Pending` once, and the task runs again after the
//! runtime has looked at I/O and timers and run the other ready tasks. So a
//! task that always finds its socket ready, or its queue full, cannot hold
//! the thread.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::runtime::coop;

pin_project! {
    /// The future of [`unconstrained`].
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let free: grove::task::Unconstrained<_> = grove::task::unconstrained(async { 1 });
    ///     assert_eq!(free.await, 1);
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct Unconstrained<F> {
        #[pin]
        future: F,
    }
}

/// Runs `future` outside the cooperative budget: none of grove's operations
/// inside it ever yield to spare other tasks.
///
/// For the rare code that must not yield in the middle of a burst (draining
/// a batch that another task must see whole, say). A loop inside it that
/// never waits holds the thread, timers and sockets included, for as long as
/// it runs.
///
/// # Examples
///
/// ```
/// use grove::queue::Queue;
///
/// grove::run(async {
///     let queue = Queue::new();
///     for i in 0..10_000 {
///         queue.try_put(i).unwrap();
///     }
///     queue.close();
///     // Ten thousand gets in one poll, with no yield in between.
///     let sum = grove::task::unconstrained(async {
///         let mut sum = 0u64;
///         while let Ok(n) = queue.get().await {
///             sum += n;
///         }
///         sum
///     })
///     .await;
///     assert_eq!(sum, 49_995_000);
/// });
/// ```
///
/// # Cancel safety
///
/// As cancel-safe as `future`.
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let future = self.project().future;
        coop::unconstrained(|| future.poll(cx))
    }
}

impl<F> fmt::Debug for Unconstrained<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unconstrained").finish_non_exhaustive()
    }
}

/// Spends one unit of the task's cooperative budget, yielding first if it
/// is spent: for a loop of work of its own (parsing, computing) that should
/// yield as often as one of grove's operations would.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let mut sum = 0u64;
///     for i in 0..100_000 {
///         sum += i;
///         // Other tasks, timers and sockets get their turn every so often.
///         grove::task::consume_budget().await;
///     }
///     assert_eq!(sum, 4_999_950_000);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future spends nothing.
pub fn consume_budget() -> ConsumeBudget {
    ConsumeBudget(())
}

/// The future of [`consume_budget`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let spend: grove::task::ConsumeBudget = grove::task::consume_budget();
///     spend.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ConsumeBudget(());

impl Future for ConsumeBudget {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::task::ready!(coop::poll_budget(cx));
        coop::spend();
        Poll::Ready(())
    }
}
