//! Waiting on many tasks at once: gevent's `iwait`, `wait` and `killall`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::{FuturesUnordered, StreamExt};

use super::{JoinError, JoinHandle, TaskId};

/// The results of `handles` as the tasks finish, each with its index in
/// the order given: gevent's `iwait`.
///
/// Dropping the stream detaches the tasks not yet yielded: they go on
/// running, as with a dropped [`JoinHandle`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures::StreamExt;
///
/// grove::run(async {
///     let tasks = [30, 10, 20].map(|ms| grove::spawn(async move {
///         grove::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let order: Vec<usize> = grove::task::as_completed(tasks)
///         .map(|(index, result)| {
///             assert!(result.is_ok());
///             index
///         })
///         .collect()
///         .await;
///     assert_eq!(order, [1, 2, 0]);
/// });
/// ```
///
/// # Cancel safety
///
/// A `next()` dropped before it yields loses nothing: the result stays for
/// the next one.
pub fn as_completed<T>(handles: impl IntoIterator<Item = JoinHandle<T>>) -> AsCompleted<T> {
    AsCompleted {
        running: handles
            .into_iter()
            .enumerate()
            .map(|(index, handle)| Indexed { index, handle })
            .collect(),
    }
}

/// The stream of [`as_completed`].
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let mut done: grove::task::AsCompleted<u8> = grove::task::as_completed([grove::spawn(async { 1 })]);
///     assert_eq!(done.next().await.map(|(i, r)| (i, r.unwrap())), Some((0, 1)));
///     assert!(done.next().await.is_none());
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T> {
    running: FuturesUnordered<Indexed<T>>,
}

/// A handle with its index.
struct Indexed<T> {
    index: usize,
    handle: JoinHandle<T>,
}

impl<T> Future for Indexed<T> {
    type Output = (usize, Result<T, JoinError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let index = self.index;
        Pin::new(&mut self.handle).poll(cx).map(|result| (index, result))
    }
}

impl<T> Stream for AsCompleted<T> {
    type Item = (usize, Result<T, JoinError>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.running.poll_next_unpin(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.running.len(), Some(self.running.len()))
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("running", &self.running.len())
            .finish()
    }
}

/// Waits until `count` of `handles` have finished (all of them if there
/// are fewer), and returns those tasks' results, with their ids, in the
/// order they were seen finished: gevent's `wait(objects, count)`. Tasks
/// that finished between two looks are seen in their order in `handles`,
/// not the order they finished in, as gevent's `wait` does with objects
/// already ready. Their handles are taken out of `handles`; the others,
/// running or finished past `count`, stay, in their order.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let mut tasks: Vec<_> = [50, 1, 2].map(|ms| grove::spawn(async move {
///         grove::sleep(Duration::from_millis(ms)).await;
///         ms
///     })).into();
///     let first_two = grove::task::wait(&mut tasks, 2).await;
///     let values: Vec<u64> = first_two.into_iter().map(|(_, r)| r.unwrap()).collect();
///     assert_eq!(values, [1, 2]);
///     assert_eq!(tasks.len(), 1, "the slow one is still running");
/// });
/// ```
///
/// # Cancel safety
///
/// Results are taken only when the wait completes: dropped before (under a
/// [`timeout`](crate::timeout), say), it leaves every handle in `handles`
/// with its result in it.
pub fn wait<T>(handles: &mut Vec<JoinHandle<T>>, count: usize) -> Wait<'_, T> {
    Wait {
        count: count.min(handles.len()),
        handles,
        finished: Vec::new(),
    }
}

/// The future of [`wait`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let mut tasks = vec![grove::spawn(async { 'a' })];
///     let waiting: grove::task::Wait<'_, char> = grove::task::wait(&mut tasks, 1);
///     assert_eq!(waiting.await[0].1.as_ref().ok(), Some(&'a'));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a, T> {
    handles: &'a mut Vec<JoinHandle<T>>,
    count: usize,
    /// Tasks seen finished, in the order they were seen.
    finished: Vec<TaskId>,
}

impl<T> Future for Wait<'_, T> {
    type Output = Vec<(TaskId, Result<T, JoinError>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        for handle in this.handles.iter() {
            if !this.finished.contains(&handle.id()) && handle.poll_finished(cx).is_ready() {
                this.finished.push(handle.id());
            }
        }
        if this.finished.len() < this.count {
            return Poll::Pending;
        }
        let taken: Vec<TaskId> = this.finished.drain(..this.count).collect();
        let mut results: Vec<Option<(TaskId, Result<T, JoinError>)>> = taken.iter().map(|_| None).collect();
        this.handles
            .retain_mut(|handle| match taken.iter().position(|&id| id == handle.id()) {
                Some(at) => {
                    results[at] = Some((handle.id(), handle.take_result()));
                    false
                }
                None => true,
            });
        Poll::Ready(results.into_iter().flatten().collect())
    }
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("count", &self.count)
            .field("finished", &self.finished.len())
            .finish()
    }
}

/// Kills every task of `handles` and waits until all have stopped: gevent's
/// `killall`. Tasks that had finished already are left as they were.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let tasks: Vec<_> = (0..3).map(|_| grove::spawn(std::future::pending::<()>())).collect();
///     grove::task::killall(tasks).await;
/// });
/// ```
///
/// # Cancel safety
///
/// The kills are sent on the first poll: dropped after it, the tasks still
/// stop, just without this future waiting for them.
pub async fn killall<T>(handles: impl IntoIterator<Item = JoinHandle<T>>) {
    let handles: Vec<_> = handles.into_iter().collect();
    handles.iter().for_each(JoinHandle::kill);
    for handle in handles {
        // Killed, or finished before the kill: either way it has stopped.
        let _ = handle.await;
    }
}
