//! Waiting for many tasks: gevent's `joinall`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{FuturesUnordered, StreamExt};

use super::{JoinError, JoinHandle};

/// Waits for every task and returns their results in the order given.
///
/// All the tasks run concurrently either way; this only decides the order of
/// the results. For a deadline, wrap it in [`timeout`](crate::timeout).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let tasks = [30, 10, 20].map(|ms| grove::spawn(async move {
///         grove::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let results: Vec<u64> = grove::joinall(tasks).await.into_iter().map(Result::unwrap).collect();
///     assert_eq!(results, [30, 10, 20]);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future detaches the tasks not yet joined (they keep
/// running) and drops the results already collected.
pub fn joinall<T, I>(handles: I) -> JoinAll<T>
where
    I: IntoIterator<Item = JoinHandle<T>>,
{
    let handles: Vec<_> = handles.into_iter().collect();
    JoinAll {
        results: Vec::with_capacity(handles.len()),
        handles,
    }
}

/// The future of [`joinall`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let all: grove::task::JoinAll<i32> = grove::joinall([grove::spawn(async { 1 })]);
///     assert_eq!(all.await.len(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct JoinAll<T> {
    handles: Vec<JoinHandle<T>>,
    results: Vec<Result<T, JoinError>>,
}

// Nothing in it is pinned: the handles are `Unpin` and the results are
// only moved.
impl<T> Unpin for JoinAll<T> {}

impl<T> Future for JoinAll<T> {
    type Output = Vec<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Join in order: only the first unfinished handle holds our waker,
        // so n tasks cost O(n) polls in all.
        while let Some(handle) = this.handles.get_mut(this.results.len()) {
            match Pin::new(handle).poll(cx) {
                Poll::Ready(result) => this.results.push(result),
                Poll::Pending => return Poll::Pending,
            }
        }
        this.handles.clear();
        Poll::Ready(std::mem::take(&mut this.results))
    }
}

impl<T> fmt::Debug for JoinAll<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinAll")
            .field("tasks", &self.handles.len())
            .field("joined", &self.results.len())
            .finish()
    }
}

/// Waits for every task, but returns the first error as soon as any task
/// fails: gevent's `joinall(raise_error=True)`. On success the values come
/// in the order given.
///
/// The other tasks are not killed by an error: they are detached and go on
/// running.
///
/// # Errors
/// The [`JoinError`] of the first task to be killed or to panic.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let ok = grove::spawn(async { 1 });
///     let bad = grove::spawn(async { panic!("failed") });
///     let err = grove::try_joinall([ok, bad]).await.unwrap_err();
///     assert!(err.is_panic());
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future detaches the tasks not yet joined and drops the
/// values already collected.
pub fn try_joinall<T, I>(handles: I) -> TryJoinAll<T>
where
    I: IntoIterator<Item = JoinHandle<T>>,
{
    let pending: FuturesUnordered<_> = handles.into_iter().enumerate().map(|(i, h)| Indexed(i, h)).collect();
    let values = std::iter::repeat_with(|| None).take(pending.len()).collect();
    TryJoinAll { pending, values }
}

/// The future of [`try_joinall`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let all: grove::task::TryJoinAll<i32> = grove::try_joinall([grove::spawn(async { 1 })]);
///     assert_eq!(all.await.unwrap(), [1]);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TryJoinAll<T> {
    pending: FuturesUnordered<Indexed<T>>,
    values: Vec<Option<T>>,
}

/// A handle and its place in the input.
struct Indexed<T>(usize, JoinHandle<T>);

impl<T> Future for Indexed<T> {
    type Output = (usize, Result<T, JoinError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let index = self.0;
        Pin::new(&mut self.1).poll(cx).map(|result| (index, result))
    }
}

// Nothing in it is pinned, as for `JoinAll`.
impl<T> Unpin for TryJoinAll<T> {}

impl<T> Future for TryJoinAll<T> {
    type Output = Result<Vec<T>, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match this.pending.poll_next_unpin(cx) {
                Poll::Ready(Some((index, Ok(value)))) => this.values[index] = Some(value),
                Poll::Ready(Some((_, Err(error)))) => return Poll::Ready(Err(error)),
                Poll::Ready(None) => {
                    let values = std::mem::take(&mut this.values);
                    return Poll::Ready(Ok(values.into_iter().flatten().collect()));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> fmt::Debug for TryJoinAll<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryJoinAll")
            .field("pending", &self.pending.len())
            .finish()
    }
}
