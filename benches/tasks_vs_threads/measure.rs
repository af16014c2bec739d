//! What every measurement shares, each run in a child process: the start
//! and wake counters, memory readings, best-of timing and thread spawning.

use std::cell::Cell;
use std::thread::{self, LocalKey};
use std::time::{Duration, Instant};

use crate::ring::ring;
use crate::sleepers::sleepers;
use crate::spawn_join::spawn_join;
use crate::support;
use crate::tcp_idle::tcp_idle;
use crate::{Figure, Outcome, THREAD_STACK, Workload};

thread_local! {
    /// Units that have started (been polled once).
    pub(crate) static STARTED: Cell<usize> = const { Cell::new(0) };
    /// Sleepers that have woken.
    pub(crate) static FINISHED: Cell<usize> = const { Cell::new(0) };
}

pub(crate) fn bump(counter: &'static LocalKey<Cell<usize>>) {
    counter.with(|c| c.set(c.get() + 1));
}

pub(crate) fn count(counter: &'static LocalKey<Cell<usize>>) -> usize {
    counter.with(Cell::get)
}

pub(crate) fn rss() -> f64 {
    support::status_bytes("VmRSS:") as f64
}

/// The best of at least three runs, more (up to 300) while they take under
/// half a second in all, so that small N gets many tries.
pub(crate) fn best_of(mut run: impl FnMut() -> Result<Duration, String>) -> Result<Duration, String> {
    let begun = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 3 || (runs < 300 && begun.elapsed() < Duration::from_millis(500)) {
        best = best.min(run()?);
        runs += 1;
    }
    Ok(best)
}

pub(crate) fn timed(best: Duration, units: usize) -> Figure {
    Figure {
        per_unit: best.as_nanos() as f64 / units as f64,
        wall: best,
        rss: None,
        early: 0,
    }
}

pub(crate) fn thread_builder() -> thread::Builder {
    thread::Builder::new().stack_size(THREAD_STACK)
}

/// Memory readings of a sleepers or tcp_idle run.
pub(crate) struct Sample {
    pub(crate) before: f64,
    pub(crate) during: f64,
    pub(crate) wall: Duration,
    pub(crate) early: usize,
}

impl Sample {
    pub(crate) fn figure(self, n: usize) -> Figure {
        Figure {
            per_unit: (self.during - self.before) / n as f64,
            wall: self.wall,
            rss: Some(self.during),
            early: self.early,
        }
    }
}

pub(crate) fn measure(workload: Workload, contender: &str, n: usize) -> Outcome {
    match workload {
        Workload::SpawnJoin => spawn_join(contender, n),
        Workload::Sleepers => sleepers(contender, n),
        Workload::Ring => ring(contender, n),
        Workload::TcpIdle => tcp_idle(contender, n),
    }
}
