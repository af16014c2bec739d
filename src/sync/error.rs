//! Errors of the synchronization primitives.

use std::fmt;

/// A [`BoundedSemaphore`](super::BoundedSemaphore) was released more times
/// than it was acquired.
///
/// # Examples
///
/// ```
/// let sem = grove::sync::BoundedSemaphore::new(1);
/// assert!(sem.release().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverRelease(pub(crate) ());

impl fmt::Display for OverRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore released too many times")
    }
}

impl std::error::Error for OverRelease {}

/// An [`RLock`](super::RLock) was released by a task that does not hold it.
///
/// # Examples
///
/// ```
/// let lock = grove::sync::RLock::new();
/// grove::run(async move { assert!(lock.release().is_err()) });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOwner(pub(crate) ());

impl fmt::Display for NotOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lock released by a task that does not hold it")
    }
}

impl std::error::Error for NotOwner {}
