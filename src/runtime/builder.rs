//! Configuration of a runtime.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::Runtime;
use super::core::EVENT_INTERVAL;
use super::observe::{Settings, Stall, TaskMeta};

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
    pub(super) start_paused: bool,
    pub(super) observe: Settings,
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
            start_paused: false,
            observe: Settings::default(),
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

    /// Starts a blocked-loop monitor: a thread that reports, while it
    /// happens, any poll of a task (or of the `block_on` future) that holds
    /// the loop longer than `limit`, naming the task and where it was
    /// spawned, as gevent's `max_blocking_time` does. Each stall is
    /// reported once when it passes the limit and once when it ends, on
    /// stderr unless [`on_blocked`](Builder::on_blocked) takes the reports.
    ///
    /// The loop's cost is one relaxed store per poll, and the task table's
    /// insert and remove per task (see [`task_dump`](Builder::task_dump),
    /// some 60 to 90 ns a task on the bench machine); the monitor samples
    /// it every tenth of `limit` (between 1 and 10 ms), which is also how
    /// precisely it knows durations. See [`Stall`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = grove::Runtime::builder().max_blocking_time(Duration::from_millis(100)).build()?;
    /// rt.block_on(async { grove::sleep(Duration::from_millis(1)).await }); // no report
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_blocking_time(&mut self, limit: Duration) -> &mut Builder {
        self.observe.max_blocking_time = Some(limit);
        self
    }

    /// Hands the monitor's reports to `report` instead of printing them.
    /// It runs on the monitor's thread; a panic in it is printed and the
    /// monitor goes on. Takes effect with
    /// [`max_blocking_time`](Builder::max_blocking_time).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = grove::Runtime::builder()
    ///     .max_blocking_time(Duration::from_millis(50))
    ///     .on_blocked(|stall: &grove::runtime::Stall| eprintln!("stall: {stall}"))
    ///     .build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_blocked(&mut self, report: impl Fn(&Stall) + Send + Sync + 'static) -> &mut Builder {
        self.observe.on_blocked = Some(Arc::new(report));
        self
    }

    /// Keeps, for each live task, where it was spawned and when, for
    /// [`Runtime::tasks`]. (The monitor keeps them too.) It costs a map
    /// insert and remove per task, outside the task's own memory; without
    /// it, a dump still lists every task's id, name and state.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder().task_dump(true).build()?;
    /// let _task = grove::spawn(std::future::pending::<()>());
    /// assert!(rt.tasks().tasks[0].spawned_at.is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn task_dump(&mut self, on: bool) -> &mut Builder {
        self.observe.task_dump = on;
        self
    }

    /// Calls `hook` for each task spawned, on the runtime's thread, before
    /// the task first runs. Shared by every runtime this builder builds.
    /// A panic in a hook is printed and goes no further.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let spawned = Arc::new(AtomicUsize::new(0));
    /// let count = spawned.clone();
    /// let rt = grove::Runtime::builder()
    ///     .on_task_spawn(move |_: &grove::runtime::TaskMeta<'_>| {
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()?;
    /// rt.block_on(async { grove::spawn(async {}).await.unwrap() });
    /// assert_eq!(spawned.load(Ordering::Relaxed), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_task_spawn(&mut self, hook: impl Fn(&TaskMeta<'_>) + Send + Sync + 'static) -> &mut Builder {
        self.observe.hooks.spawn = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` when a task ends (returns, panics or is killed), after
    /// its future is dropped and before whoever joins it is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let ended = Arc::new(Mutex::new(Vec::new()));
    /// let log = ended.clone();
    /// let rt = grove::Runtime::builder()
    ///     .on_task_terminate(move |task: &grove::runtime::TaskMeta<'_>| log.lock().unwrap().push(task.id()))
    ///     .build()?;
    /// let id = rt.block_on(async {
    ///     let task = grove::spawn(async {});
    ///     let id = task.id();
    ///     task.await.unwrap();
    ///     id
    /// });
    /// assert_eq!(*ended.lock().unwrap(), [id]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_task_terminate(&mut self, hook: impl Fn(&TaskMeta<'_>) + Send + Sync + 'static) -> &mut Builder {
        self.observe.hooks.terminate = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` before each poll of a task (not of the `block_on`
    /// future).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let polls = Arc::new(AtomicUsize::new(0));
    /// let count = polls.clone();
    /// let rt = grove::Runtime::builder()
    ///     .on_before_poll(move |_: &grove::runtime::TaskMeta<'_>| {
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()?;
    /// rt.block_on(async { grove::spawn(grove::yield_now()).await.unwrap() });
    /// assert_eq!(polls.load(Ordering::Relaxed), 2); // the yield, then the end
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_before_poll(&mut self, hook: impl Fn(&TaskMeta<'_>) + Send + Sync + 'static) -> &mut Builder {
        self.observe.hooks.before_poll = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` after each poll of a task, even one that panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let polls = Arc::new(AtomicUsize::new(0));
    /// let count = polls.clone();
    /// let rt = grove::Runtime::builder()
    ///     .on_after_poll(move |_: &grove::runtime::TaskMeta<'_>| {
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()?;
    /// rt.block_on(async { grove::spawn(async {}).await.unwrap() });
    /// assert_eq!(polls.load(Ordering::Relaxed), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_after_poll(&mut self, hook: impl Fn(&TaskMeta<'_>) + Send + Sync + 'static) -> &mut Builder {
        self.observe.hooks.after_poll = Some(Arc::new(hook));
        self
    }

    /// Starts the runtime with its clock paused, for tests of timeouts and
    /// intervals that run in no time and give the same result every run.
    ///
    /// The clock then moves only by [`time::advance`](crate::time::advance),
    /// or by itself when the loop goes idle (no task ready, no
    /// `spawn_blocking` job out) with a timer armed: it jumps straight to
    /// that timer's deadline, after a look at I/O that does not wait.
    /// Sockets keep working. Read the clock with
    /// [`time::now`](crate::time::now); `Instant::now()` itself is not
    /// paused.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = grove::Runtime::builder().start_paused(true).build()?;
    /// let real = Instant::now();
    /// rt.block_on(async {
    ///     let start = grove::time::now();
    ///     grove::sleep(Duration::from_secs(3600)).await;
    ///     assert_eq!(grove::time::now() - start, Duration::from_secs(3600));
    /// });
    /// assert!(real.elapsed() < Duration::from_secs(60));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.start_paused = paused;
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
