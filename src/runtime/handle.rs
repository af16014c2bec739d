//! A handle to a runtime that other threads can use.

use super::context;
use super::shared::Remote;
use super::task::RemoteJoinHandle;
use std::fmt;
use std::future::Future;

/// Spawns `Send` futures onto a runtime from any thread.
///
/// A `Handle` is `Send + Sync + Clone`. A spawn queues the task for the
/// runtime (on one of several queues, each thread always on the same one,
/// so that threads spawning at once rarely wait on each other) and wakes
/// its poller; the task then runs on the runtime's thread like any other.
///
/// # Examples
///
/// ```
/// let rt = grove::Runtime::new()?;
/// let handle = rt.handle();
/// let worker = std::thread::spawn(move || handle.spawn(async { "from a thread" }));
/// let task = worker.join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), "from a thread");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    remote: Remote,
}

impl Handle {
    pub(super) fn new(remote: Remote) -> Handle {
        Handle { remote }
    }

    /// The handle of the runtime running on this thread: code running on a
    /// runtime gets the handle to give to another thread.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread; see
    /// [`try_current`](Handle::try_current).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let handle = grove::Handle::current();
    ///     let task = std::thread::spawn(move || handle.spawn(async { 2 })).join().unwrap();
    ///     assert_eq!(task.await.unwrap(), 2);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        context::with_core("Handle::current", |core| Handle::new(core.remote()))
    }

    /// The handle of the runtime on this thread, or `None` if there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(grove::Handle::try_current().is_none());
    /// grove::run(async { assert!(grove::Handle::try_current().is_some()) });
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::with_current(|core| Handle::new(core.remote()))
    }

    /// Spawns `future` on the runtime, from any thread.
    ///
    /// If the runtime has been dropped, the future is dropped at once and
    /// the returned handle reports the task as killed.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let handle = rt.handle();
    /// let task = handle.spawn(async { 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> RemoteJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        super::task::remote::spawn(self.remote, future, std::panic::Location::caller())
    }
}

impl Handle {
    /// The runtime's counts, from any thread, as of the loop's last look at
    /// events. The loop publishes them only once some handle has asked, so
    /// the first call reads all zeros and asks; from the loop's next look at
    /// events on, calls read its counts. `None` once the runtime is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let handle = rt.handle();
    /// let _ = handle.metrics(); // ask, so that the loop publishes
    /// rt.block_on(async { grove::spawn(async {}).await.unwrap() });
    /// let metrics = std::thread::spawn(move || handle.metrics()).join().unwrap().unwrap();
    /// assert_eq!(metrics.spawned, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn metrics(&self) -> Option<super::RuntimeMetrics> {
        self.remote.metrics()
    }
}

impl Handle {
    /// Whether the runtime is gone, so that a spawn would be dropped.
    pub(crate) fn is_closed(&self) -> bool {
        self.remote.is_closed()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("runtime", &self.remote.id()).finish()
    }
}
