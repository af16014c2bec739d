//! grove as the executor of other crates: futures' spawner traits, and
//! hyper's runtime traits (cargo feature `hyper`). See the
//! [embedding chapter](crate::guide::embedding) for the whole story.
//!
//! # Examples
//!
//! A library written against `futures::task::LocalSpawn` runs its tasks
//! on grove:
//!
//! ```
//! use futures::task::{LocalSpawn, LocalSpawnExt};
//!
//! /// Knows nothing of grove.
//! async fn squares<S: LocalSpawn>(spawner: &S, n: u32) -> Vec<u32> {
//!     let tasks: Vec<_> = (0..n)
//!         .map(|i| spawner.spawn_local_with_handle(async move { i * i }).unwrap())
//!         .collect();
//!     futures::future::join_all(tasks).await
//! }
//!
//! grove::run(async {
//!     let spawner = grove::compat::LocalSpawner::current();
//!     assert_eq!(squares(&spawner, 4).await, [0, 1, 4, 9]);
//! });
//! ```

#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;
mod spawn;

pub use spawn::LocalSpawner;
