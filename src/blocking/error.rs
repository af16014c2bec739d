//! Why a job could not be handed to a thread pool, or did not return.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use crate::task::JoinError;

/// A [`ThreadPool`](super::ThreadPool) would not take a job.
///
/// # Examples
///
/// ```
/// use grove::blocking::{SpawnError, ThreadPool};
///
/// grove::run(async {
///     let pool = ThreadPool::new(1);
///     pool.close();
///     assert!(matches!(pool.spawn(|| ()).await, Err(SpawnError::Closed)));
/// });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SpawnError {
    /// The pool was closed: it takes no new jobs.
    Closed,
    /// The pool had no thread, and the OS refused to start one.
    Thread(io::Error),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Closed => f.write_str("the thread pool is closed"),
            SpawnError::Thread(e) => write!(f, "the OS refused to start a pool thread: {e}"),
        }
    }
}

impl StdError for SpawnError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SpawnError::Closed => None,
            SpawnError::Thread(e) => Some(e),
        }
    }
}

impl From<SpawnError> for io::Error {
    fn from(e: SpawnError) -> io::Error {
        match e {
            SpawnError::Closed => io::Error::new(io::ErrorKind::BrokenPipe, e),
            // Not the OS's kind: a refused thread is no `WouldBlock` to
            // retry on a wake-up.
            SpawnError::Thread(e) => io::Error::other(e),
        }
    }
}

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
