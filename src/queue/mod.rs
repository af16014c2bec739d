//! gevent's queues for green tasks: [`Queue`] (first in, first out),
//! [`LifoQueue`], [`PriorityQueue`] (lowest first), all joinable and
//! closable, and the rendezvous [`Channel`].
//!
//! They are one queue type over an [`Order`], so they share one API and one
//! implementation, built on the same waiter list as [`sync`](crate::sync).
//! Getters and putters are each served first come, first served, and every
//! waiting operation is cancel-safe: no item is lost when a `get` is dropped.
//!
//! # Examples
//!
//! ```
//! use grove::queue::{Queue, PriorityQueue};
//!
//! grove::run(async {
//!     let jobs = Queue::new();
//!     for job in ["a", "b"] {
//!         jobs.put(job).await.unwrap();
//!     }
//!     assert_eq!(jobs.get().await, Ok("a"));
//!
//!     let urgent = PriorityQueue::new();
//!     urgent.put(2).await.unwrap();
//!     urgent.put(1).await.unwrap();
//!     assert_eq!(urgent.get().await, Ok(1));
//! });
//! ```

mod error;
mod futures;
mod handle;
mod order;
mod state;

pub use error::{Closed, Empty, Full, TaskDoneError};
pub use futures::{Get, Join, PeekWait, Put};
pub use handle::QueueOf;
pub use order::{Fifo, Lifo, Order, Priority, Rendezvous};

/// A first-in, first-out queue: gevent's `Queue` (and `JoinableQueue`).
/// See [`QueueOf`] for the API, which every queue shares.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue = grove::queue::Queue::new();
///     queue.put(1).await.unwrap();
///     queue.put(2).await.unwrap();
///     assert_eq!(queue.get().await, Ok(1));
/// });
/// ```
pub type Queue<T> = QueueOf<T, Fifo>;

/// A last-in, first-out queue: gevent's `LifoQueue`. Same API as [`Queue`] (see [`QueueOf`]).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let stack = grove::queue::LifoQueue::new();
///     stack.put(1).await.unwrap();
///     stack.put(2).await.unwrap();
///     assert_eq!(stack.get().await, Ok(2));
/// });
/// ```
pub type LifoQueue<T> = QueueOf<T, Lifo>;

/// A queue that serves its lowest item first: gevent's `PriorityQueue`.
/// Same API as [`Queue`] (see [`QueueOf`]); for "highest first", wrap items in
/// `std::cmp::Reverse`. Items are compared while the queue's state is
/// borrowed, so their `Ord` must not use the queue.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue = grove::queue::PriorityQueue::new();
///     for n in [5, 1, 3] {
///         queue.put(n).await.unwrap();
///     }
///     assert_eq!(queue.get().await, Ok(1));
/// });
/// ```
pub type PriorityQueue<T> = QueueOf<T, Priority>;

/// gevent's `Channel`: a rendezvous with no room for items. A `put` finishes
/// only once a getter has the item, and `try_put` succeeds only if a getter
/// is waiting.
///
/// A put to a waiting getter is a switch, as greenlet's: it hands the item
/// straight to the first waiting getter, which runs next, before other
/// ready tasks (see [`task::wake_next`](crate::task::wake_next)); the putter
/// is suspended until the getter waits again, yields or ends, and then runs
/// next in turn. Control goes there and back. gevent's putter instead waits
/// behind the tasks that were ready before the put; grove's order is the
/// stricter one. A putter that found no getter waits with its item, and
/// once a getter takes it, runs next as well.
///
/// Same API as [`Queue`] (see [`QueueOf`]). If a getter that was handed an item is dropped
/// before taking it, the item goes to the next getter: nothing is lost.
///
/// # Examples
///
/// ```
/// use grove::queue::Channel;
///
/// grove::run(async {
///     let channel = Channel::new();
///     assert!(channel.try_put("early").is_err(), "nobody is waiting");
///     let getter = {
///         let channel = channel.clone();
///         grove::spawn(async move { channel.get().await.unwrap() })
///     };
///     channel.put("hello").await.unwrap();
///     assert_eq!(getter.await.unwrap(), "hello");
/// });
/// ```
pub type Channel<T> = QueueOf<T, Rendezvous>;
