//! What a runtime counts about itself, and the snapshot it hands out.
//!
//! The counters are plain cells, bumped on the loop's thread: no atomic on
//! any path of a poll. Other threads see a snapshot the loop publishes
//! into its shared slot (see `shared/mod.rs`), at every look at events, but
//! only once some `Handle::metrics` has asked: until then nothing is
//! published, and the first call reads zeros.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::task::TaskId;

/// A snapshot of a runtime's counts: its tasks, its work and its waits.
///
/// From [`Runtime::metrics`](crate::Runtime::metrics) and
/// [`runtime::metrics`](crate::runtime::metrics) it is exact as of the
/// call; from [`Handle::metrics`](crate::Handle::metrics), on another
/// thread, as of the loop's last turn.
///
/// # Examples
///
/// ```
/// let rt = grove::Runtime::new()?;
/// rt.block_on(async {
///     for _ in 0..10 {
///         grove::spawn(async { grove::yield_now().await });
///     }
///     grove::sleep(std::time::Duration::from_millis(1)).await;
/// });
/// let metrics = rt.metrics();
/// assert_eq!((metrics.spawned, metrics.finished, metrics.tasks_alive), (10, 10, 0));
/// assert!(metrics.polls >= 20);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Tasks spawned and not finished.
    pub tasks_alive: usize,
    /// Of those, how many are queued to run.
    pub tasks_ready: usize,
    /// Of those, how many wait for a wake (neither queued nor running).
    pub tasks_waiting: usize,
    /// Tasks spawned since the runtime was built, from any thread.
    pub spawned: u64,
    /// Tasks that returned, panicked or were killed.
    pub finished: u64,
    /// Polls of tasks and of the `block_on` future.
    pub polls: u64,
    /// I/O sources registered with the reactor.
    pub io_sources: usize,
    /// Timers armed.
    pub timers_armed: usize,
    /// Wakes of tasks that came from other threads.
    pub remote_wakes: u64,
    /// Time the runtime was driven (`block_on`, `turn`,
    /// `run_until_stalled`) and not waiting in the poller.
    pub busy_time: Duration,
    /// Time spent waiting in the poller for events.
    pub parked_time: Duration,
    /// The longest poll the blocked-loop monitor has seen, with its task;
    /// `None` unless [`max_blocking_time`](crate::runtime::Builder::max_blocking_time)
    /// is set. Known to the monitor's sampling period (see
    /// [`Stall`](crate::runtime::Stall)); polls shorter than that are not
    /// timed at all, since timing each poll would cost two clock reads
    /// (about 155 ns on the bench machine, against a 14 ns yield).
    pub longest_poll: Option<LongestPoll>,
    /// The runtime's own pool of `spawn_blocking`, once started.
    #[cfg(feature = "blocking")]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub blocking: Option<crate::blocking::PoolMetrics>,
}

/// The longest poll seen, in [`RuntimeMetrics::longest_poll`].
///
/// # Examples
///
/// ```
/// let longest: Option<grove::runtime::LongestPoll> = grove::Runtime::new()?.metrics().longest_poll;
/// assert!(longest.is_none()); // no monitor
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LongestPoll {
    /// How long it ran, to the monitor's sampling period.
    pub duration: Duration,
    /// The task polled.
    pub task: TaskId,
    /// Its name, if it had one.
    pub name: Option<String>,
}

/// The loop's own counters. Runtime thread only.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) polls: Cell<u64>,
    /// Tasks that finished while queued (woken during the poll that ended
    /// them, by themselves or another thread, or killed then): their queue
    /// entries stay until the loop skips them, and are not ready tasks.
    pub(crate) finished_queued: Cell<usize>,
    pub(crate) remote_wakes: Cell<u64>,
    pub(crate) parked: Cell<Duration>,
    /// Time driven in calls that have returned.
    driven: Cell<Duration>,
    /// When the call driving the runtime now started.
    driving_since: Cell<Option<Instant>>,
}

impl Counters {
    #[inline(always)]
    pub(crate) fn polled(&self) {
        self.polls.set(self.polls.get() + 1);
    }

    pub(crate) fn add_remote_wakes(&self, n: usize) {
        self.remote_wakes.set(self.remote_wakes.get() + n as u64);
    }

    pub(crate) fn add_parked(&self, time: Duration) {
        self.parked.set(self.parked.get() + time);
    }

    /// A call that drives the runtime starts; the guard ends it.
    pub(crate) fn driving(&self) -> Driven<'_> {
        let nested = self.driving_since.get().is_some();
        if !nested {
            self.driving_since.set(Some(Instant::now()));
        }
        Driven { counters: self, nested }
    }

    /// Time driven and not parked, so far.
    pub(crate) fn busy(&self) -> Duration {
        let current = self.driving_since.get().map_or(Duration::ZERO, |since| since.elapsed());
        (self.driven.get() + current).saturating_sub(self.parked.get())
    }
}

/// Ends the time of a call that drives the runtime.
pub(crate) struct Driven<'a> {
    counters: &'a Counters,
    /// Inside another driving call, which counts the time itself. (One
    /// thread cannot drive a runtime twice, but a guard is cheap.)
    nested: bool,
}

impl Drop for Driven<'_> {
    fn drop(&mut self) {
        if self.nested {
            return;
        }
        if let Some(since) = self.counters.driving_since.take() {
            self.counters.driven.set(self.counters.driven.get() + since.elapsed());
        }
    }
}
