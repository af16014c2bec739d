//! Configuration of a runtime.

use std::io;

use super::Runtime;
use super::core::EVENT_INTERVAL;

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// let rt = grove::Runtime::builder().event_interval(128).build()?;
/// assert_eq!(rt.block_on(async { "ok" }), "ok");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    pub(super) event_interval: usize,
}

impl Builder {
    /// Starts from the defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::runtime::Builder::new().build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> Builder {
        Builder {
            event_interval: EVENT_INTERVAL,
        }
    }

    /// How many tasks run between two checks of I/O and timers (default 64).
    /// Lower values make I/O more responsive under a busy run queue, higher
    /// ones make task switches cheaper. Values below 1 count as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder().event_interval(16).build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn event_interval(&mut self, tasks: usize) -> &mut Builder {
        self.event_interval = tasks.max(1);
        self
    }

    /// Builds the runtime on the calling thread, which it belongs to.
    ///
    /// # Errors
    /// If the OS refuses the poller or its waker.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder().build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(&self) -> io::Result<Runtime> {
        Runtime::from_builder(self)
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}
