//! gevent's `Group` and `Pool`: sets of tasks to join or kill together,
//! and bounded concurrency.
//!
//! # Examples
//!
//! ```
//! grove::run(async {
//!     let pool = grove::pool::Pool::new(2);
//!     for n in 0..5 {
//!         // Waits while two tasks are running.
//!         pool.spawn(async move { n * 2 }).await;
//!     }
//!     pool.join().await;
//! });
//! ```

mod bounded;
pub mod group;

pub use bounded::{ImapUnordered, Pool};
pub use group::Group;
