//! What a host event loop needs to drive a runtime: its poller's file
//! descriptor to watch, and when it next has work.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use super::Runtime;

impl Runtime {
    /// How long the runtime can wait before it has work, for a host loop
    /// that sleeps in its own poller: `Some(ZERO)` if tasks are ready to
    /// run, the time until the next timer, or `None` if only I/O or a wake
    /// from another thread can bring work, both of which make the
    /// runtime's [file descriptor](AsRawFd) readable.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = grove::Runtime::new()?;
    /// assert_eq!(rt.next_wakeup(), None);
    /// let sleeper = grove::spawn(grove::sleep(Duration::from_secs(60)));
    /// assert_eq!(rt.next_wakeup(), Some(Duration::ZERO)); // it must start first
    /// rt.turn(Duration::ZERO);
    /// assert!(rt.next_wakeup().unwrap() > Duration::from_secs(59));
    /// # drop(sleeper);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn next_wakeup(&self) -> Option<Duration> {
        let core = self.core();
        if core.has_ready() || core.remote().is_notified() {
            return Some(Duration::ZERO);
        }
        let deadline = core.timers().next_deadline()?;
        Some(core.clock().tick().until(deadline))
    }
}

/// The poller's descriptor (epoll's, on Linux): it turns readable when a
/// socket of the runtime has an event or another thread wakes one of its
/// tasks. Timers do not show on it; see [`Runtime::next_wakeup`].
///
/// # Examples
///
/// ```
/// use std::os::fd::AsRawFd;
///
/// let rt = grove::Runtime::new()?;
/// assert!(rt.as_raw_fd() >= 0);
/// # Ok::<(), std::io::Error>(())
/// ```
impl AsRawFd for Runtime {
    fn as_raw_fd(&self) -> RawFd {
        self.core().reactor().raw_fd()
    }
}

/// The poller's descriptor, borrowed; see the [`AsRawFd`] impl.
///
/// # Examples
///
/// ```
/// use std::os::fd::AsFd;
///
/// let rt = grove::Runtime::new()?;
/// let fd = rt.as_fd().try_clone_to_owned()?;
/// # drop(fd);
/// # Ok::<(), std::io::Error>(())
/// ```
impl AsFd for Runtime {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor belongs to the runtime's poller, which is
        // open for as long as the runtime, and so for the borrow of `self`.
        unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}
