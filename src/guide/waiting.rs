//! # Waiting on many
//!
//! gevent waits on many things in three ways, and so does grove:
//!
//! - on many tasks, as each finishes: [`task::as_completed`](crate::task::as_completed)
//!   (gevent's `iwait`), a stream of `(index, result)`;
//! - on the first `count` of many tasks: [`task::wait`](crate::task::wait)
//!   (gevent's `wait(objects, count)`), which leaves the others in your
//!   `Vec`;
//! - on all of them: [`joinall`](crate::joinall), or
//!   [`task::killall`](crate::task::killall) to stop them first.
//!
//! For "whichever happens first" among futures of different kinds (a task,
//! an [`Event`](crate::sync::Event), a queue's `get`, a timer), use the
//! futures crate's `select!` macro (or `future::select` for two). Every
//! grove future works there:
//!
//! ```
//! use std::time::Duration;
//! use futures::{FutureExt, select};
//! use grove::{queue::Queue, sync::Event};
//!
//! grove::run(async {
//!     let (stop, jobs) = (Event::new(), Queue::new());
//!     // Fused once, outside the loop: the handle lives across turns, and a
//!     // finished task is not polled again.
//!     let mut worker = grove::spawn(async { "worker done" }).fuse();
//!     jobs.try_put(1).unwrap();
//!     let mut handled = Vec::new();
//!     loop {
//!         select! {
//!             job = jobs.get().fuse() => handled.push(job.unwrap()),
//!             () = stop.wait().fuse() => break,
//!             done = worker => {
//!                 assert_eq!(done.unwrap(), "worker done");
//!                 stop.set();
//!             }
//!             () = grove::sleep(Duration::from_secs(5)).fuse() => panic!("nothing happened"),
//!         }
//!     }
//!     assert_eq!(handled, [1]);
//! });
//! ```
//!
//! ## What a losing branch costs
//!
//! `select!` drops every branch but the one that won, so it is safe to use
//! with a future only if dropping it mid-wait loses nothing. Each of grove's
//! waiting operations says what its drop does under `# Cancel safety`; in
//! short:
//!
//! - a queue or `Channel` `get`, a `Semaphore` or `Lock` acquire, an
//!   `Event` or `AsyncResult` wait, and `sleep` lose nothing: an item or
//!   permit already handed to the dropped future goes to the next waiter,
//!   and a timer is disarmed;
//! - a `put` dropped before its item went in leaves the queue as it was,
//!   and the item is dropped with the future;
//! - a [`JoinHandle`](crate::JoinHandle) made into a branch on each turn
//!   is dropped with it, which detaches the task: its result is then lost.
//!   Fuse it once outside the loop, as above, and select on it by
//!   reference;
//! - a socket read or write that returned nothing has consumed nothing.
//!
//! A loop around `select!` that makes a fresh `get()` on each turn is
//! therefore fine: a `get` that lost the race leaves its item in the queue
//! for the next turn.
