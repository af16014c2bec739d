//! The queue handle, the same for every order.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Sink, Stream};

use super::error::{Closed, Empty, Full, TaskDoneError};
use super::futures::{Get, Join, PeekWait, Put};
use super::order::{Fifo, Lifo, Order, Priority, Rendezvous};
use super::state::{self, Getters, Putters, Shared, State};
use crate::runtime::wait::{Waiter, wake_all};

/// A queue of items between tasks, served in order `O`: gevent's `Queue`,
/// `LifoQueue`, `PriorityQueue`, `JoinableQueue` and `Channel` in one type.
/// Use it through its names: [`Queue`](super::Queue) ([`Fifo`]),
/// [`LifoQueue`](super::LifoQueue), [`PriorityQueue`](super::PriorityQueue)
/// (lowest first) and [`Channel`](super::Channel) ([`Rendezvous`]).
///
/// A queue is unbounded ([`new`](QueueOf::new)) or holds at most `n` items
/// ([`bounded`](QueueOf::bounded)), and a put into a full queue waits. Waiting
/// getters and putters are each served first come, first served. The queue
/// also counts unfinished items for [`task_done`](QueueOf::task_done) and
/// [`join`](QueueOf::join), and can be [`close`](QueueOf::close)d: once closed
/// and drained, gets fail with [`Closed`] and the stream ends.
///
/// A `Queue` is a cheap `Clone` handle to shared state. It is a `Stream` of
/// its items and a `Sink` for them.
///
/// # Examples
///
/// ```
/// use grove::queue::Queue;
///
/// grove::run(async {
///     let queue = Queue::bounded(2);
///     let producer = {
///         let queue = queue.clone();
///         grove::spawn(async move {
///             for i in 0..5 {
///                 queue.put(i).await.unwrap();
///             }
///             queue.close();
///         })
///     };
///     let mut got = Vec::new();
///     while let Ok(item) = queue.get().await {
///         got.push(item);
///     }
///     assert_eq!(got, [0, 1, 2, 3, 4]);
///     producer.await.unwrap();
/// });
/// ```
pub struct QueueOf<T, O: Order<T>> {
    shared: Shared<T, O>,
    /// This handle's place among the getters as a `Stream`, once polled.
    stream: Option<Waiter<Shared<T, O>, Getters<T, O>>>,
    /// The item this handle holds as a `Sink`, until it is delivered.
    sink_item: Option<T>,
    /// This handle's place among the putters as a `Sink`, once flushed.
    sink: Option<Waiter<Shared<T, O>, Putters<T, O>>>,
}

impl<T> QueueOf<T, Fifo> {
    /// An unbounded first-in, first-out queue.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::new();
    /// queue.try_put("a").unwrap();
    /// assert_eq!(queue.try_get(), Ok("a"));
    /// ```
    pub fn new() -> QueueOf<T, Fifo> {
        QueueOf::with_capacity(None)
    }

    /// A first-in, first-out queue of at most `capacity` items.
    ///
    /// # Panics
    /// If `capacity` is zero: use a [`Channel`](super::Channel) for a
    /// rendezvous.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::bounded(1);
    /// queue.try_put(1).unwrap();
    /// assert!(queue.is_full());
    /// ```
    #[track_caller]
    pub fn bounded(capacity: usize) -> QueueOf<T, Fifo> {
        QueueOf::with_capacity(Some(nonzero(capacity)))
    }
}

impl<T> QueueOf<T, Lifo> {
    /// An unbounded last-in, first-out queue (see [`LifoQueue`](super::LifoQueue)).
    ///
    /// # Examples
    ///
    /// ```
    /// let stack = grove::queue::LifoQueue::new();
    /// stack.try_put(1).unwrap();
    /// stack.try_put(2).unwrap();
    /// assert_eq!(stack.try_get(), Ok(2));
    /// ```
    pub fn new() -> QueueOf<T, Lifo> {
        QueueOf::with_capacity(None)
    }

    /// A last-in, first-out queue of at most `capacity` items.
    ///
    /// # Panics
    /// If `capacity` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let stack = grove::queue::LifoQueue::bounded(1);
    /// stack.try_put(1).unwrap();
    /// assert!(stack.try_put(2).is_err());
    /// ```
    #[track_caller]
    pub fn bounded(capacity: usize) -> QueueOf<T, Lifo> {
        QueueOf::with_capacity(Some(nonzero(capacity)))
    }
}

impl<T: Ord> QueueOf<T, Priority> {
    /// An unbounded queue that serves its lowest item first (see
    /// [`PriorityQueue`](super::PriorityQueue)).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::PriorityQueue::new();
    /// for n in [3, 1, 2] {
    ///     queue.try_put(n).unwrap();
    /// }
    /// assert_eq!(queue.try_get(), Ok(1));
    /// ```
    pub fn new() -> QueueOf<T, Priority> {
        QueueOf::with_capacity(None)
    }

    /// A lowest-first queue of at most `capacity` items.
    ///
    /// # Panics
    /// If `capacity` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::PriorityQueue::bounded(2);
    /// queue.try_put(5).unwrap();
    /// queue.try_put(4).unwrap();
    /// assert!(queue.is_full());
    /// ```
    #[track_caller]
    pub fn bounded(capacity: usize) -> QueueOf<T, Priority> {
        QueueOf::with_capacity(Some(nonzero(capacity)))
    }
}

impl<T> QueueOf<T, Rendezvous> {
    /// A rendezvous channel (see [`Channel`](super::Channel)).
    ///
    /// # Examples
    ///
    /// ```
    /// let channel: grove::queue::Channel<i32> = grove::queue::Channel::new();
    /// assert_eq!(channel.capacity(), Some(0));
    /// ```
    pub fn new() -> QueueOf<T, Rendezvous> {
        QueueOf::with_capacity(Some(0))
    }
}

#[track_caller]
fn nonzero(capacity: usize) -> usize {
    assert!(
        capacity > 0,
        "a bounded queue needs a capacity above zero; for a rendezvous use grove::queue::Channel"
    );
    capacity
}

impl<T, O: Order<T>> QueueOf<T, O> {
    fn with_capacity(capacity: Option<usize>) -> QueueOf<T, O> {
        QueueOf {
            shared: State::new(capacity),
            stream: None,
            sink_item: None,
            sink: None,
        }
    }

    /// Puts `item` in, waiting while the queue is full.
    ///
    /// # Errors
    /// [`Closed`] with the item, if the queue is (or gets) closed first.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let queue = grove::queue::Queue::new();
    ///     queue.put(1).await.unwrap();
    ///     assert_eq!(queue.len(), 1);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before the item went in leaves the queue as if
    /// the put never happened; the item is dropped with the future. A get
    /// can take the item from a waiting put before the put runs again, and
    /// a put dropped then has happened without returning `Ok`. To stop a
    /// waiting producer and still know whether its item went in,
    /// [`close`](QueueOf::close) the queue instead: the put then returns
    /// `Ok` or hands the item back in [`Closed`].
    pub fn put(&self, item: T) -> Put<'_, T, O> {
        Put {
            item: Some(item),
            waiter: Waiter::new(&*self.shared),
        }
    }

    /// Takes the next item, waiting while the queue is empty.
    ///
    /// # Errors
    /// [`Closed`] once the queue is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let queue = grove::queue::Queue::new();
    ///     queue.try_put("x").unwrap();
    ///     assert_eq!(queue.get().await, Ok("x"));
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// No item is lost: if one was already handed to this get when it is
    /// dropped, it goes to the next waiting getter, or back into the queue
    /// where the next get finds it first (a priority queue puts it back by
    /// its priority). Back in the queue, it is there even if the queue has
    /// filled meanwhile (or is a `Channel`, with no room at all): such an
    /// item may take a queue past its capacity until a get takes it, since
    /// its put has already completed.
    pub fn get(&self) -> Get<'_, T, O> {
        Get {
            waiter: Waiter::new(&*self.shared),
        }
    }

    /// Puts `item` in if that needs no waiting: a getter is waiting, or
    /// there is room.
    ///
    /// # Errors
    /// [`Full`] with the item back if the queue is full, or closed (see
    /// [`is_closed`](QueueOf::is_closed)).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::bounded(1);
    /// assert!(queue.try_put(1).is_ok());
    /// assert_eq!(queue.try_put(2).unwrap_err().0, 2);
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), Full<T>> {
        let waker = self.shared.borrow_mut().try_put(item).map_err(Full)?;
        wake_all(waker);
        Ok(())
    }

    /// Takes an item if one is there.
    ///
    /// # Errors
    /// [`Empty`] if there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::new();
    /// assert!(queue.try_get().is_err());
    /// queue.try_put(3).unwrap();
    /// assert_eq!(queue.try_get(), Ok(3));
    /// ```
    pub fn try_get(&self) -> Result<T, Empty> {
        let (item, waker) = self.shared.borrow_mut().try_get().ok_or(Empty)?;
        wake_all(waker);
        Ok(item)
    }

    /// A copy of the item the next get would take. The item's `Clone` must
    /// not use this queue (it runs while the queue's state is borrowed).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::PriorityQueue::new();
    /// queue.try_put(2).unwrap();
    /// queue.try_put(1).unwrap();
    /// assert_eq!(queue.peek(), Some(1));
    /// assert_eq!(queue.len(), 2);
    /// ```
    pub fn peek(&self) -> Option<T>
    where
        T: Clone,
    {
        self.shared.borrow().first().cloned()
    }

    /// Waits until the queue has an item, and returns a copy of the one the
    /// next get would take, leaving it there: gevent's `peek(block=True)`.
    /// The item's `Clone` must not use this queue.
    ///
    /// # Errors
    /// [`Closed`] once the queue is closed and empty.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let queue = grove::queue::Queue::new();
    ///     let q = queue.clone();
    ///     let putter = grove::spawn(async move { q.put("next").await });
    ///     assert_eq!(queue.peek_wait().await, Ok("next"));
    ///     assert_eq!(queue.get().await, Ok("next"), "still there for a get");
    ///     putter.await.unwrap().unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// A peek takes nothing, so dropping it loses nothing.
    pub fn peek_wait(&self) -> PeekWait<'_, T, O>
    where
        T: Clone,
    {
        PeekWait {
            waiter: Waiter::new(&*self.shared),
        }
    }

    /// How many items are in the queue (not counting those that waiting
    /// putters hold).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::new();
    /// queue.try_put(()).unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.borrow().len()
    }

    /// Whether the queue holds no item.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue: grove::queue::Queue<u8> = grove::queue::Queue::new();
    /// assert!(queue.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a put would have to wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::bounded(1);
    /// assert!(!queue.is_full());
    /// queue.try_put(0).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.borrow().is_full()
    }

    /// The most items the queue holds, or `None` if unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::queue::Queue::<u8>::bounded(4).capacity(), Some(4));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.shared.borrow().capacity
    }

    /// Marks one item taken from the queue as fully processed, for
    /// [`join`](QueueOf::join).
    ///
    /// # Errors
    /// [`TaskDoneError`] if more items were marked done than were put.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::new();
    /// queue.try_put(1).unwrap();
    /// queue.try_get().unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let wakers = {
            let mut state = self.shared.borrow_mut();
            state.unfinished = state.unfinished.checked_sub(1).ok_or(TaskDoneError)?;
            if state.unfinished > 0 {
                return Ok(());
            }
            state.joiners.notify_all()
        };
        wake_all(wakers);
        Ok(())
    }

    /// Waits until every item put has been marked done with
    /// [`task_done`](QueueOf::task_done): gevent's `JoinableQueue.join`.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let queue = grove::queue::Queue::new();
    ///     queue.try_put("job").unwrap();
    ///     let worker = {
    ///         let queue = queue.clone();
    ///         grove::spawn(async move {
    ///             let _job = queue.get().await.unwrap();
    ///             queue.task_done().unwrap();
    ///         })
    ///     };
    ///     queue.join().await;
    ///     worker.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future takes it out of the line and changes nothing else.
    pub fn join(&self) -> Join<'_, T, O> {
        Join {
            waiter: Waiter::new(&*self.shared),
        }
    }

    /// Closes the queue: puts fail from now on (waiting putters get their
    /// items back), and once the remaining items are taken, gets fail with
    /// [`Closed`] and the stream ends.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::new();
    /// queue.try_put(1).unwrap();
    /// queue.close();
    /// assert!(queue.try_put(2).is_err());
    /// assert_eq!(queue.try_get(), Ok(1));
    /// ```
    pub fn close(&self) {
        state::close(&self.shared, false);
    }

    /// Closes the queue at once, as gevent's `shutdown(immediate=True)`:
    /// the items in it are dropped (and counted as done, so that
    /// [`join`](QueueOf::join) returns), waiting getters get [`Closed`],
    /// and waiting putters get [`Closed`] with their items back.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let queue = grove::queue::Queue::new();
    ///     queue.try_put(1).unwrap();
    ///     queue.try_put(2).unwrap();
    ///     queue.close_now();
    ///     assert!(queue.is_empty());
    ///     assert_eq!(queue.unfinished_tasks(), 0);
    ///     queue.join().await;
    ///     assert!(queue.get().await.is_err());
    /// });
    /// ```
    pub fn close_now(&self) {
        state::close(&self.shared, true);
    }

    /// How many items were put and not yet marked done with
    /// [`task_done`](QueueOf::task_done): what [`join`](QueueOf::join)
    /// waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = grove::queue::Queue::new();
    /// queue.try_put('a').unwrap();
    /// queue.try_get().unwrap();
    /// assert_eq!(queue.unfinished_tasks(), 1);
    /// queue.task_done().unwrap();
    /// assert_eq!(queue.unfinished_tasks(), 0);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.shared.borrow().unfinished
    }

    /// Whether the queue has been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue: grove::queue::Queue<()> = grove::queue::Queue::new();
    /// queue.close();
    /// assert!(queue.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.borrow().closed
    }
}

// Nothing in it is pinned: the sink's item is only ever moved.
impl<T, O: Order<T>> Unpin for QueueOf<T, O> {}

impl<T, O: Order<T>> Clone for QueueOf<T, O> {
    fn clone(&self) -> Self {
        QueueOf {
            shared: self.shared.clone(),
            stream: None,
            sink_item: None,
            sink: None,
        }
    }
}

impl<T, O: Order<T>> Default for QueueOf<T, O> {
    /// An unbounded queue (a rendezvous for [`Rendezvous`]).
    fn default() -> Self {
        QueueOf::with_capacity(O::HANDOFF.then_some(0))
    }
}

impl<T, O: Order<T>> fmt::Debug for QueueOf<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.borrow();
        f.debug_struct("Queue")
            .field("len", &state.len())
            .field("capacity", &state.capacity)
            .field("getters", &state.getters.len())
            .field("putters", &state.putters.len())
            .field("closed", &state.closed)
            .finish()
    }
}

/// The items, until the queue is closed and drained.
///
/// # Cancel safety
///
/// A `next()` that is dropped unfinished (say, under a timeout) leaves this
/// handle in the getters' line: an item may still be handed to it, and
/// waits for the next `next()` on this handle, or goes to the next getter
/// if the handle is dropped. Nothing is lost, but the item is held for this
/// handle; to wait with a deadline and leave the line, use
/// [`QueueOf::get`] under [`timeout`](crate::timeout) instead.
impl<T, O: Order<T>> Stream for QueueOf<T, O> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let waiter = this.stream.get_or_insert_with(|| Waiter::new(this.shared.clone()));
        state::poll_get(waiter, cx).map(Result::ok)
    }
}

/// Puts items in, one at a time: `poll_ready` finishes the previous put
/// (waiting while the queue is full) before the next item is accepted.
/// Closing the sink closes the queue.
///
/// # Cancel safety
///
/// An item accepted by `start_send` is delivered by the next `poll_ready`
/// or `poll_flush`. If the handle is dropped before, that item is dropped,
/// unless a getter has already taken it from the waiting put, in which case
/// it was delivered.
impl<T, O: Order<T>> Sink<T> for QueueOf<T, O> {
    type Error = Closed<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed<T>>> {
        self.poll_flush(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Closed<T>> {
        let this = self.get_mut();
        let waiting = this.sink.as_ref().is_some_and(Waiter::is_waiting);
        assert!(
            this.sink_item.is_none() && !waiting,
            "start_send called without poll_ready"
        );
        this.sink_item = Some(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed<T>>> {
        let this = self.get_mut();
        let waiting = this.sink.as_ref().is_some_and(Waiter::is_waiting);
        if this.sink_item.is_none() && !waiting {
            return Poll::Ready(Ok(()));
        }
        let waiter = this.sink.get_or_insert_with(|| Waiter::new(this.shared.clone()));
        state::poll_put(&mut this.sink_item, waiter, cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed<T>>> {
        let flushed = std::task::ready!(self.as_mut().poll_flush(cx));
        self.close();
        Poll::Ready(flushed)
    }
}
