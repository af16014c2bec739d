//! Why a job of a pool's `map` did not return a value.

use std::error::Error as StdError;
use std::fmt;

use super::SpawnError;
use crate::task::JoinError;

/// Why [`ThreadPool::map`](super::ThreadPool::map) or an item of
/// [`imap_unordered`](super::ThreadPool::imap_unordered) failed: a job could
/// not be handed to the pool, or it panicked or was killed.
///
/// # Examples
///
/// ```
/// use grove::blocking::{Error, ThreadPool};
///
/// grove::run(async {
///     let pool = ThreadPool::new(2);
///     let err = pool.map(0..4, |n| if n == 2 { panic!("two") } else { n }).await.unwrap_err();
///     assert!(matches!(err, Error::Join(e) if e.is_panic()));
/// });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The pool would not take the job.
    Spawn(SpawnError),
    /// The job panicked, or its task was killed.
    Join(JoinError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spawn(e) => e.fmt(f),
            Error::Join(e) => e.fmt(f),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Spawn(e) => Some(e),
            Error::Join(e) => Some(e),
        }
    }
}

impl From<SpawnError> for Error {
    fn from(e: SpawnError) -> Error {
        Error::Spawn(e)
    }
}

impl From<JoinError> for Error {
    fn from(e: JoinError) -> Error {
        Error::Join(e)
    }
}
