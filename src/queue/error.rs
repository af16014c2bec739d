//! Errors of the queues.

use std::fmt;

/// [`try_put`](super::QueueOf::try_put) found the queue full (or closed); the
/// item is given back.
///
/// # Examples
///
/// ```
/// let queue = grove::queue::Queue::bounded(1);
/// queue.try_put(1).unwrap();
/// let grove::queue::Full(item) = queue.try_put(2).unwrap_err();
/// assert_eq!(item, 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

/// [`try_get`](super::QueueOf::try_get) found the queue empty.
///
/// # Examples
///
/// ```
/// let queue: grove::queue::Queue<i32> = grove::queue::Queue::new();
/// assert_eq!(queue.try_get(), Err(grove::queue::Empty));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Empty;

/// The queue is closed. From a put, it carries the item back; from a get,
/// it means the queue is also drained.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue = grove::queue::Queue::new();
///     queue.close();
///     assert_eq!(queue.put(1).await, Err(grove::queue::Closed(1)));
///     assert_eq!(queue.get().await, Err(grove::queue::Closed(())));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T = ()>(pub T);

/// [`task_done`](super::QueueOf::task_done) was called more times than items
/// were put.
///
/// # Examples
///
/// ```
/// let queue: grove::queue::Queue<i32> = grove::queue::Queue::new();
/// assert!(queue.task_done().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError;

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is closed")
    }
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done called more times than items were put")
    }
}

impl<T> std::error::Error for Full<T> {}
impl std::error::Error for Empty {}
impl<T> std::error::Error for Closed<T> {}
impl std::error::Error for TaskDoneError {}
