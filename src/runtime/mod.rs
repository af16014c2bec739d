//! The runtime: the loop that runs tasks, polls I/O and fires timers on one
//! thread.
//!
//! Most programs only call [`grove::run`](crate::run). Build a [`Runtime`]
//! yourself to drive it from a host loop with [`Runtime::turn`], to keep it
//! across several [`block_on`](Runtime::block_on) calls, or to get a
//! [`Handle`] for other threads.

#[cfg(feature = "blocking")]
pub(crate) mod blocking;
mod builder;
pub(crate) mod clock;
pub(crate) mod context;
pub(crate) mod coop;
pub(crate) mod core;
mod handle;
mod host;
mod main_waker;
pub(crate) mod observe;
mod park;
pub mod per_core;
pub(crate) mod reactor;
pub(crate) mod scheduler;
pub(crate) mod shared;
pub(crate) mod task;
pub(crate) mod timers;
pub(crate) mod wait;
mod watch;

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

pub use builder::Builder;
pub use handle::Handle;
pub use observe::{LongestPoll, RuntimeMetrics, Stall, TaskDump, TaskInfo, TaskMeta, TaskState};
pub use per_core::PerCore;

use self::core::{Core, Ran};
use main_waker::MainTask;

/// Identifies a runtime for the life of the process: never reused (see
/// `shared/mod.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RuntimeId(pub(crate) u32);

/// A grove runtime: a scheduler, an I/O reactor and timers on one thread.
///
/// The runtime belongs to the thread that creates it (it is `!Send`), which
/// is what lets tasks hold `!Send` state. While it exists, [`spawn`](crate::spawn)
/// and the other free functions on that thread use it.
///
/// Dropping the runtime drops every task that has not finished, running
/// their destructors on this thread; `JoinHandle`s that outlive it report
/// the tasks as killed.
///
/// # Examples
///
/// ```
/// use grove::Runtime;
///
/// let rt = Runtime::new()?;
/// let answer = rt.block_on(async {
///     let task = grove::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime {
    /// Behind an `Rc` (never cloned) rather than a `Box`: the thread-local
    /// context keeps a pointer to the core, and moving a `Box` asserts that
    /// it is the only way to its contents, which Miri's aliasing model
    /// holds against that pointer. (A raw pointer from `Box::leak` measured
    /// no better in `bash benches/instructions.sh`, so no `unsafe` here.)
    core: Rc<Core>,
}

impl Runtime {
    /// Creates a runtime with the default settings.
    ///
    /// # Errors
    /// If the OS refuses the poller (`epoll_create`, and a duplicate of it
    /// for other threads) or its waker (`eventfd`), typically for lack of
    /// file descriptors; or if the
    /// process has already created 2^32 - 1 runtimes (ids are never reused).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Starts a [`Builder`] to configure a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder().event_interval(32).build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    fn from_builder(builder: &Builder) -> io::Result<Runtime> {
        let runtime = Runtime {
            core: Rc::new(Core::new(builder)?),
        };
        context::adopt(runtime.core());
        Ok(runtime)
    }

    /// The core.
    fn core(&self) -> &Core {
        &self.core
    }

    /// Runs `future` to completion on this thread, running every other task
    /// in between, and returns its output.
    ///
    /// Tasks that are still running when `future` completes stay in the
    /// runtime: a later `block_on` or `turn` goes on with them.
    ///
    /// # Panics
    /// If this thread is already driving a runtime (from inside a task or
    /// another `block_on`): await the future instead, or spawn it. Also
    /// re-raises a panic of `future` itself (a panic in a spawned task goes
    /// to its `JoinHandle` instead).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let n = rt.block_on(async {
    ///     grove::sleep(std::time::Duration::from_millis(1)).await;
    ///     5
    /// });
    /// assert_eq!(n, 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _driving = context::start_driving("Runtime::block_on");
        let _budget = coop::driving();
        let _current = context::enter(self.core());
        let core = self.core();
        let _driven = core.driving();
        let main = MainTask::new(core, Location::caller());
        let future = pin!(Some(future));
        let mut future = main.own(future);
        let mut output = None;
        let mut poll_main = || {
            coop::refill();
            let poll = main.poll(|| future.poll());
            match poll {
                Poll::Ready(value) => output = Some(value),
                Poll::Pending => {}
            }
            output.is_some()
        };
        core.scheduler().schedule_main(scheduler::Turn::Back);
        loop {
            match core.run(usize::MAX, &mut poll_main) {
                Ran::Main => break,
                Ran::Empty | Ran::Limit => core.park(None),
            }
        }
        output.expect("the main future completed")
    }

    /// Runs what is ready, after waiting at most `max_wait` for I/O or a
    /// timer if nothing is. Returns whether any task is still alive, or
    /// was sent from another thread and waits to be taken in.
    ///
    /// This is how a host event loop (a GUI or game loop) drives grove: call
    /// `turn(Duration::ZERO)` once per frame, or pass the time until the next
    /// frame to sleep in grove's poller meanwhile. A turn runs as many tasks
    /// as were ready when it started, so that it ends: tasks woken during
    /// the turn mostly run in the next one, but a task that hands off to
    /// another ([`task::wake_next`](crate::task::wake_next), a `Channel`
    /// put) lets that one run in this turn instead.
    ///
    /// # Panics
    /// If this thread is already driving a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = grove::Runtime::new()?;
    /// let task = grove::spawn(async { 3 });
    /// while rt.turn(Duration::from_millis(10)) {
    ///     // the host's own work, once per turn
    /// }
    /// assert!(task.is_finished());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn turn(&self, max_wait: Duration) -> bool {
        let _driving = context::start_driving("Runtime::turn");
        let _budget = coop::driving();
        let _current = context::enter(self.core());
        let core = self.core();
        let _driven = core.driving();
        core.park(Some(max_wait));
        run_ready(core);
        core.has_tasks() || core.remote().is_notified()
    }

    /// Runs tasks until none can go on without waiting for I/O or time.
    /// Due timers and ready I/O are handled along the way, without blocking.
    ///
    /// # Panics
    /// If this thread is already driving a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let task = grove::spawn(async {
    ///     grove::yield_now().await;
    ///     "done"
    /// });
    /// rt.run_until_stalled();
    /// assert!(task.is_finished());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn run_until_stalled(&self) {
        let _driving = context::start_driving("Runtime::run_until_stalled");
        let _budget = coop::driving();
        let _current = context::enter(self.core());
        let core = self.core();
        let _driven = core.driving();
        loop {
            core.park(Some(Duration::ZERO));
            if !core.has_ready() {
                return;
            }
            run_ready(core);
        }
    }

    /// The runtime's counts: its tasks, polls, I/O sources, timers and
    /// time busy against time parked. Exact as of the call.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let _idle = grove::spawn(std::future::pending::<()>());
    /// rt.run_until_stalled();
    /// let metrics = rt.metrics();
    /// assert_eq!((metrics.tasks_alive, metrics.tasks_waiting, metrics.polls), (1, 1, 1));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.core().metrics()
    }

    /// Every live task: its id, name and state, and with
    /// [`task_dump`](Builder::task_dump) (or the monitor) on, its age and
    /// where it was spawned. Print it for a picture of what the tasks are
    /// doing.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder().task_dump(true).build()?;
    /// let _idle = grove::task::Builder::new().name("idle").spawn(std::future::pending::<()>());
    /// rt.run_until_stalled();
    /// let dump = rt.tasks();
    /// assert_eq!(dump.tasks[0].name.as_deref(), Some("idle"));
    /// println!("{dump}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tasks(&self) -> TaskDump {
        self.core().tasks()
    }

    /// A handle that spawns onto this runtime from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let handle = rt.handle();
    /// let task = std::thread::spawn(move || handle.spawn(async { 7 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 7);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> Handle {
        Handle::new(self.core().remote())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        /// Forgets the core even if shutdown unwinds.
        struct Forget<'a>(&'a Core);
        impl Drop for Forget<'_> {
            fn drop(&mut self) {
                context::forget(self.0);
            }
        }
        let _forget = Forget(self.core());
        // Destructors of tasks may use the runtime (cancel a timer, wake a
        // task), so it stays current while they run.
        let _current = context::enter(self.core());
        self.core().shutdown();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("tasks", &self.core().unfinished())
            .field("ready", &self.core().scheduler().ready())
            .finish()
    }
}

/// Runs each runnable that is ready now once. No `block_on` is running, so
/// a turn of its future is skipped.
fn run_ready(core: &Core) {
    core.run(core.scheduler().ready(), || false);
}

/// Creates a runtime with the default settings, runs `future` on it and
/// returns its output. This is the `main` of most grove programs; the
/// runtime, and any task still alive, is dropped before it returns.
///
/// # Panics
/// If the OS refuses to create the poller, or if this thread already runs a
/// grove runtime (see [`Runtime::block_on`]).
///
/// # Examples
///
/// ```
/// let sum = grove::run(async {
///     let a = grove::spawn(async { 1 });
///     let b = grove::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(sum, 3);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt = match Runtime::new() {
        Ok(rt) => rt,
        Err(e) => panic!("grove::run could not create a runtime: {e}"),
    };
    rt.block_on(future)
}

/// The current runtime's counts, as [`Runtime::metrics`] gives them: for
/// code that runs inside [`run`], which keeps its `Runtime` to itself.
///
/// # Panics
/// If there is no grove runtime on this thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     grove::spawn(async {}).await.unwrap();
///     let metrics = grove::runtime::metrics();
///     assert_eq!((metrics.spawned, metrics.finished), (1, 1));
/// });
/// ```
#[track_caller]
pub fn metrics() -> RuntimeMetrics {
    context::with_core("grove::runtime::metrics", Core::metrics)
}

/// The current runtime's live tasks, as [`Runtime::tasks`] gives them: for
/// a program that prints a dump on demand (on a signal, say) from a task.
///
/// # Panics
/// If there is no grove runtime on this thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let _idle = grove::spawn(std::future::pending::<()>());
///     grove::yield_now().await;
///     let dump = grove::runtime::tasks();
///     assert_eq!(dump.counts(), (0, 1, 0));
/// });
/// ```
#[track_caller]
pub fn tasks() -> TaskDump {
    context::with_core("grove::runtime::tasks", Core::tasks)
}
