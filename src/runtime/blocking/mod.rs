//! The runtime's half of the blocking pool: the queue of jobs and the
//! threads that run them (`workers.rs`), the handshake between a job and
//! its green task (`job.rs`), and the runtime's own pool behind
//! `spawn_blocking`, which the loop watches before it sleeps.
//!
//! The public face, `grove::blocking` (`spawn_blocking`, `ThreadPool`),
//! is built on this.

mod error;
mod job;
mod workers;

use std::cell::{Cell, OnceCell};
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::SpawnError;
pub(crate) use job::{Job, Outcome, pack, receive, refused};
pub use workers::PoolMetrics;
pub(crate) use workers::{Config, Drained, Room, Submit, Workers, poll_drained, poll_room};

use crate::runtime::task::JoinHandle;

/// The default number of threads of a runtime's own pool; see
/// [`runtime::Builder::blocking_threads`](crate::runtime::Builder::blocking_threads).
pub(crate) const DEFAULT_THREADS: usize = 64;

/// How long after handing a job over the loop still watches for results
/// before it sleeps.
const RECENT: Duration = Duration::from_millis(1);

/// The runtime's own pool, behind `spawn_blocking`: started on first use,
/// with an unbounded queue.
pub(crate) struct RuntimePool {
    threads: usize,
    workers: OnceCell<Arc<Workers>>,
    /// When a job was last handed over, for [`result_due`](RuntimePool::result_due).
    last_submit: Cell<Option<Instant>>,
}

impl RuntimePool {
    /// A pool of at most `threads` threads, not started yet.
    pub(crate) fn new(threads: usize) -> RuntimePool {
        RuntimePool {
            threads,
            workers: OnceCell::new(),
            last_submit: Cell::new(None),
        }
    }

    /// Runs `f` on the pool, as asked at `location`; its task ends with a
    /// refusal if the pool has no thread and the OS refuses one.
    pub(crate) fn spawn<F, T>(&self, f: F, location: &'static Location<'static>) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.last_submit.set(Some(Instant::now()));
        let workers = self.workers();
        let (job, outcome) = pack(f);
        match workers.submit(job) {
            Ok(Submit::Queued(seq)) => receive(workers.clone(), seq, outcome, location),
            Ok(Submit::Full(_)) => unreachable!("the runtime's pool has an unbounded queue"),
            Err(e) => refused(e.into(), location),
        }
    }

    /// Whether a job handed over just now is still out: its result may come
    /// back sooner than a sleep in the poller would end.
    pub(crate) fn result_due(&self) -> bool {
        self.last_submit.get().is_some_and(|at| at.elapsed() < RECENT) && self.has_unfinished()
    }

    /// Whether a job is queued or running.
    pub(crate) fn has_unfinished(&self) -> bool {
        self.workers.get().is_some_and(|workers| workers.has_unfinished())
    }

    /// The pool's load, once it has started.
    pub(crate) fn metrics(&self) -> Option<PoolMetrics> {
        self.workers.get().map(|workers| workers.metrics())
    }

    fn workers(&self) -> &Arc<Workers> {
        self.workers
            .get_or_init(|| Arc::new(Workers::new(Config::new(self.threads, usize::MAX))))
    }
}

impl Drop for RuntimePool {
    fn drop(&mut self) {
        // Running jobs finish before the runtime is gone.
        if let Some(workers) = self.workers.get() {
            workers.shut_down();
        }
    }
}
