//! Why a job could not be handed to a thread pool.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A [`ThreadPool`](crate::blocking::ThreadPool) would not take a job.
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
