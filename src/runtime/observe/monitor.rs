//! The blocked-loop monitor: a thread that notices, while it happens, that
//! one poll has held the loop longer than `max_blocking_time`, as gevent's
//! monitor thread does for its hub.
//!
//! The loop's whole part is one relaxed store per poll: it publishes which
//! task it polls, with a poll counter so that two polls of one task differ,
//! and a "parked" mark when it waits for events. The monitor samples that
//! word every tenth of the limit (between 1 and 10 ms). A word that stays
//! the same across samples for longer than the limit is a stalled poll; the
//! monitor reports it once, names the task from the side table, and
//! reports again with the total when the word finally changes. Durations
//! are therefore known to about one sampling period.
//!
//! Nothing here can take a backtrace of the blocked thread: std captures
//! only the calling thread's, and a signal handler cannot safely do it.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::metrics::LongestPoll;
use super::table::{Entry, Table};
use crate::task::TaskId;

/// The beacon's value while the loop waits for events (ids start at 1).
const PARKED: u64 = 0;
/// Low bits of the beacon that count polls; the rest is the task id.
const SEQ_BITS: u32 = 20;

/// A report of the monitor: a task's poll has held the loop longer than
/// [`max_blocking_time`](crate::runtime::Builder::max_blocking_time).
///
/// Each stall is reported twice: while it goes on, once it passes the
/// limit, and when the poll returns, with the total. Durations are known to
/// about a tenth of the limit (1 ms at best, 10 ms at worst).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
///
/// let stalls = Arc::new(Mutex::new(Vec::new()));
/// let log = stalls.clone();
/// let rt = grove::Runtime::builder()
///     .max_blocking_time(Duration::from_millis(20))
///     .on_blocked(move |stall: &grove::runtime::Stall| log.lock().unwrap().push(stall.clone()))
///     .build()?;
/// rt.block_on(async {
///     let sleepy = grove::task::Builder::new().name("sleepy").spawn(async {
///         std::thread::sleep(Duration::from_millis(100)); // blocks the loop
///     });
///     sleepy.await.unwrap();
/// });
/// drop(rt);
/// let stalls = stalls.lock().unwrap();
/// assert!(stalls.iter().any(|s| s.name.as_deref() == Some("sleepy") && s.over));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Stall {
    /// The task whose poll blocks (or blocked) the loop. For the future
    /// passed to `block_on`, its id as `task::current()` sees it.
    pub task: TaskId,
    /// The task's name, if it has one; `block_on` for the future passed to
    /// it.
    pub name: Option<String>,
    /// Where the task was spawned (or `block_on` called).
    pub spawned_at: Option<&'static Location<'static>>,
    /// How long the poll has run so far, or ran in all once `over`.
    pub elapsed: Duration,
    /// Whether the poll has returned: this is the second report.
    pub over: bool,
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.task)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        if let Some(location) = self.spawned_at {
            write!(f, " (spawned at {location})")?;
        }
        if self.over {
            write!(f, " blocked the loop for {:?} in all", self.elapsed)
        } else {
            write!(
                f,
                " has blocked the loop for {:?} and counting: a blocking call in async code? \
                 (move it to grove::spawn_blocking)",
                self.elapsed
            )
        }
    }
}

/// What a monitor is told to report to.
pub(crate) type OnBlocked = Arc<dyn Fn(&Stall) + Send + Sync + 'static>;

/// What the loop and the monitor thread share.
struct Shared {
    beacon: AtomicU64,
    limit: Duration,
    table: Arc<Table>,
    on_blocked: Option<OnBlocked>,
    longest: Mutex<Option<LongestPoll>>,
    stop: Mutex<bool>,
    stopped: Condvar,
}

/// The loop's end of a monitor; dropping it stops the thread.
pub(crate) struct Monitor {
    shared: Arc<Shared>,
    /// Polls counted into the beacon. Loop thread only.
    seq: std::cell::Cell<u64>,
    thread: Option<JoinHandle<()>>,
}

impl Monitor {
    /// Starts a monitor thread for polls longer than `limit`.
    pub(crate) fn start(limit: Duration, table: Arc<Table>, on_blocked: Option<OnBlocked>) -> std::io::Result<Monitor> {
        let shared = Arc::new(Shared {
            beacon: AtomicU64::new(PARKED),
            limit,
            table,
            on_blocked,
            longest: Mutex::new(None),
            stop: Mutex::new(false),
            stopped: Condvar::new(),
        });
        let watcher = shared.clone();
        let thread = thread::Builder::new()
            .name("grove-monitor".to_owned())
            .spawn(move || watch(&watcher))?;
        Ok(Monitor {
            shared,
            seq: std::cell::Cell::new(0),
            thread: Some(thread),
        })
    }

    /// The loop starts polling task `id`.
    #[inline]
    pub(crate) fn polling(&self, id: TaskId) {
        let seq = self.seq.get().wrapping_add(1);
        self.seq.set(seq);
        let word = id.as_u64() << SEQ_BITS | (seq & ((1 << SEQ_BITS) - 1));
        self.shared.beacon.store(word, Ordering::Relaxed);
    }

    /// The loop waits for events: no poll is running.
    pub(crate) fn parking(&self) {
        self.shared.beacon.store(PARKED, Ordering::Relaxed);
    }

    /// The longest poll the monitor has seen.
    pub(crate) fn longest(&self) -> Option<LongestPoll> {
        self.shared
            .longest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        *self.shared.stop.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.stopped.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread contains the callback's panics itself.
            let _ = thread.join();
        }
    }
}

/// One word of the beacon as the monitor saw it.
struct Seen {
    word: u64,
    first: Instant,
    last: Instant,
    /// What the table said of the task, looked up once the poll has lasted
    /// two samples (it may have ended, and left the table, by the time the
    /// change is seen).
    origin: Option<Option<Entry>>,
    reported: bool,
}

impl Seen {
    fn new(word: u64, at: Instant) -> Seen {
        Seen {
            word,
            first: at,
            last: at,
            origin: None,
            reported: false,
        }
    }

    fn origin(&mut self, table: &Table) -> Option<&Entry> {
        let word = self.word;
        self.origin
            .get_or_insert_with(|| task_of(word).and_then(|task| table.get(task)))
            .as_ref()
    }
}

/// The monitor thread: samples the beacon until told to stop, then once
/// more, so that a stall that ended just before is reported as over.
fn watch(shared: &Shared) {
    let period = (shared.limit / 10).clamp(Duration::from_millis(1), Duration::from_millis(10));
    let mut seen = Seen::new(PARKED, Instant::now());
    loop {
        let stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
        let (stop, _) = shared
            .stopped
            .wait_timeout_while(stop, period, |stop| !*stop)
            .unwrap_or_else(PoisonError::into_inner);
        let stopping = *stop;
        drop(stop);
        sample(shared, &mut seen, period);
        if stopping {
            return;
        }
    }
}

/// One look at the beacon.
fn sample(shared: &Shared, seen: &mut Seen, period: Duration) {
    let now = Instant::now();
    let word = shared.beacon.load(Ordering::Relaxed);
    if word == seen.word {
        if word == PARKED {
            return;
        }
        seen.last = now;
        seen.origin(&shared.table);
        let elapsed = now - seen.first + period / 2;
        if !seen.reported && elapsed >= shared.limit {
            seen.reported = true;
            report(shared, seen, elapsed, false);
        }
        return;
    }
    if seen.word != PARKED && seen.last > seen.first {
        // The poll ended between the last sample that saw it and this one.
        let ran = seen.last - seen.first + period;
        if seen.reported {
            report(shared, seen, ran, true);
        }
        record_longest(shared, seen, ran);
    }
    *seen = Seen::new(word, now);
}

fn task_of(word: u64) -> Option<TaskId> {
    TaskId::from_u64(word >> SEQ_BITS)
}

fn report(shared: &Shared, seen: &mut Seen, elapsed: Duration, over: bool) {
    let Some(task) = task_of(seen.word) else { return };
    let origin = seen.origin(&shared.table);
    let stall = Stall {
        task,
        name: origin.and_then(|e| e.name.as_deref().map(str::to_owned)),
        spawned_at: origin.map(|e| e.location),
        elapsed,
        over,
    };
    match &shared.on_blocked {
        Some(on_blocked) => {
            // A panicking callback is printed by the panic hook; the monitor
            // goes on, even if the panic's payload panics when dropped.
            crate::runtime::core::contain(|| on_blocked(&stall));
        }
        None => eprintln!("grove: {stall}"),
    }
}

fn record_longest(shared: &Shared, seen: &mut Seen, ran: Duration) {
    let Some(task) = task_of(seen.word) else { return };
    let name = seen
        .origin(&shared.table)
        .and_then(|e| e.name.as_deref().map(str::to_owned));
    let mut longest = shared.longest.lock().unwrap_or_else(PoisonError::into_inner);
    if longest.as_ref().is_none_or(|l| ran > l.duration) {
        *longest = Some(LongestPoll {
            duration: ran,
            task,
            name,
        });
    }
}
