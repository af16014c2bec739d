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
    #[cfg(feature = "blocking")]
    pub(super) blocking_threads: usize,
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
            #[cfg(feature = "blocking")]
            blocking_threads: super::blocking::DEFAULT_THREADS,
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

    /// The most threads [`spawn_blocking`](crate::spawn_blocking) runs at
    /// once on this runtime (default 64). They start on demand and exit
    /// after 10 seconds idle. Needs the cargo feature `blocking`.
    ///
    /// # Panics
    /// If `threads` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder().blocking_threads(2).build()?;
    /// let n = rt.block_on(async { grove::spawn_blocking(|| 40 + 2).await.unwrap() });
    /// assert_eq!(n, 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "blocking")]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    #[track_caller]
    pub fn blocking_threads(&mut self, threads: usize) -> &mut Builder {
        assert!(threads > 0, "the blocking pool needs at least one thread");
        self.blocking_threads = threads;
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
