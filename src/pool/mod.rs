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

pub mod group;
mod holding;
mod imap;
mod members;
// The type is `Pool`, so its file is `pool.rs`.
#[allow(clippy::module_inception)]
mod pool;

pub use group::Group;
pub use imap::{Imap, ImapUnordered};
pub use pool::Pool;
