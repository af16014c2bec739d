//! gevent's synchronization primitives for green tasks: [`Event`],
//! [`AsyncResult`], [`Semaphore`], [`BoundedSemaphore`], [`Lock`],
//! [`RLock`] and [`Condition`]; and [`CancelToken`], a cancellation signal
//! that fans out to child tokens.
//!
//! They are all built on one FIFO waiter list, so waiters are served in the
//! order they arrived, and every waiting operation is cancel-safe: dropping
//! its future (under [`timeout`](crate::timeout), or because its task was
//! killed) loses nothing. A permit or a notification already handed to it
//! passes to the next in line; most leave the primitive as if they had
//! never waited, and each operation's `# Cancel safety` says where that is
//! not so ([`Condition::wait`] gives its lock up for good). They are for
//! the tasks of one runtime: cheap `Clone` handles, `!Send`, no atomics.
//!
//! # Examples
//!
//! ```
//! use grove::sync::{Event, Semaphore};
//!
//! grove::run(async {
//!     let (go, slots) = (Event::new(), Semaphore::new(2));
//!     let tasks: Vec<_> = (0..4)
//!         .map(|_| {
//!             let (go, slots) = (go.clone(), slots.clone());
//!             grove::spawn(async move {
//!                 go.wait().await;
//!                 let _slot = slots.acquire().await;
//!             })
//!         })
//!         .collect();
//!     go.set();
//!     grove::joinall(tasks).await;
//! });
//! ```

pub mod async_result;
pub mod cancel;
mod condition;
mod error;
pub mod event;
pub mod lock;
pub mod rlock;
mod sem_core;
pub mod semaphore;

pub use async_result::AsyncResult;
pub use cancel::CancelToken;
pub use condition::Condition;
pub use error::{NotOwner, OverRelease};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use rlock::RLock;
pub use semaphore::{BoundedSemaphore, Permit, Semaphore};
