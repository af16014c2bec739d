//! Tasks against threads, from a thousand units to a million: grove, tokio
//! (current_thread with a `LocalSet`), smol's `LocalExecutor` and OS threads.
//!
//! - spawn_join: spawn N units that return at once, then join them all.
//!   Time per unit, best of at least three runs.
//! - sleepers: N units sleep 200 ms at once. Resident memory per unit (the
//!   growth of VmRSS from just before spawning to once every unit sleeps)
//!   and the total wall time, one run.
//! - ring: N units in a ring pass one token around ten times, each waking
//!   the next through a channel: time per hop (N * 10 hops), best of at
//!   least three runs. grove uses its rendezvous `queue::Channel`, threads
//!   `std::sync::mpsc::sync_channel(0)`, tokio `mpsc::channel(1)` and smol
//!   `async_channel::bounded(1)`.
//! - tcp_idle: N idle TCP connections on loopback, each server end held by
//!   one grove task (or one thread) parked in a read of a 64-byte buffer;
//!   the client ends are plain std `TcpStream`s held by a separate helper
//!   process, so the server's VmRSS and descriptors hold only its own ends.
//!   Resident memory per connection of the server process (kernel socket
//!   buffers are not in VmRSS, client sockets not in the server), one run.
//!
//! Every cell runs in a fresh child process of this binary, so that no heap
//! or leftover thread of one cell is counted in another. Threads get 64 KiB
//! stacks and stop at 10k; tcp_idle stops where one descriptor per
//! connection (in the server, and again in the client helper) no longer
//! fits under RLIMIT_NOFILE (raised to its hard limit).
//!
//! Run: `cargo bench --bench tasks_vs_threads`. `GROVE_TVT_MAX=10000` caps N
//! for a quick run; `GROVE_TVT_ONLY=ring,sleepers` picks workloads. Prints
//! markdown tables and writes `target/tasks_vs_threads.svg`.

#[path = "../support/mod.rs"]
mod support;

#[path = "../../examples/support/fd_limit.rs"]
#[allow(dead_code)] // the bench does not cap a concurrency
mod fd_limit;

mod chart;
mod child;
mod measure;
mod report;
mod ring;
mod sleepers;
mod spawn_join;
mod tcp_idle;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::CONTENDERS;

use crate::chart::draw_chart;
use crate::child::{child_main, in_child, not_run, raise_nofile};
use crate::report::{Row, fmt_unit, label, print_summary, print_tables};
use crate::tcp_idle::clients_main;

/// The sizes measured, up to `GROVE_TVT_MAX`.
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];
/// More threads than this are not spawned: the table says "capped".
const THREAD_CAP: usize = 10_000;
const THREAD_STACK: usize = 64 << 10;
const CHILD_ENV: &str = "GROVE_TVT_CHILD";
/// A child still running after this is killed and its cell reports it.
const CHILD_TIMEOUT: Duration = Duration::from_secs(180);
/// Set (to the server's address) in the helper process that holds
/// tcp_idle's client ends.
const CLIENTS_ENV: &str = "GROVE_TVT_CLIENTS";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
    SpawnJoin,
    Sleepers,
    Ring,
    TcpIdle,
}

impl Workload {
    const ALL: [Workload; 4] = [
        Workload::SpawnJoin,
        Workload::Sleepers,
        Workload::Ring,
        Workload::TcpIdle,
    ];

    fn name(self) -> &'static str {
        match self {
            Workload::SpawnJoin => "spawn_join",
            Workload::Sleepers => "sleepers",
            Workload::Ring => "ring",
            Workload::TcpIdle => "tcp_idle",
        }
    }

    fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// What the per-unit figure is.
    fn unit(self) -> &'static str {
        match self {
            Workload::SpawnJoin => "time/unit",
            Workload::Sleepers => "RSS/task",
            Workload::Ring => "time/hop",
            Workload::TcpIdle => "RSS/conn",
        }
    }

    fn is_memory(self) -> bool {
        matches!(self, Workload::Sleepers | Workload::TcpIdle)
    }

    fn contenders(self) -> &'static [&'static str] {
        match self {
            Workload::TcpIdle => &["grove", "threads"],
            _ => &CONTENDERS,
        }
    }
}

/// One cell's result.
#[derive(Clone, Debug)]
struct Figure {
    /// Nanoseconds per unit (or hop), or bytes per unit.
    per_unit: f64,
    /// The timed run's wall time (memory workloads: the whole run).
    wall: Duration,
    /// Memory workloads: VmRSS while every unit waits, in bytes.
    rss: Option<f64>,
    /// Sleepers that had already woken when memory was read.
    early: usize,
}

/// A figure, or why there is none ("capped", a spawn error, "skipped").
type Outcome = Result<Figure, String>;

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    )
}

fn main() {
    if let Ok(addr) = std::env::var(CLIENTS_ENV) {
        clients_main(&addr);
        return;
    }
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child_main(&spec);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "tasks_vs_threads: nothing run without --bench; use `cargo bench --bench tasks_vs_threads` \
             (GROVE_TVT_MAX=10000 for a quick run)"
        );
        return;
    }
    let max: usize = std::env::var("GROVE_TVT_MAX")
        .ok()
        .map(|v| v.replace('_', "").parse().expect("GROVE_TVT_MAX: a number"))
        .unwrap_or(1_000_000);
    let mut sizes: Vec<usize> = SIZES.into_iter().filter(|&n| n <= max).collect();
    if sizes.is_empty() {
        sizes.push(max.max(2));
    }
    let workloads: Vec<Workload> = match std::env::var("GROVE_TVT_ONLY") {
        Ok(only) => only
            .split(',')
            .map(|w| Workload::from_name(w.trim()).unwrap_or_else(|| panic!("GROVE_TVT_ONLY: unknown {w}")))
            .collect(),
        Err(_) => Workload::ALL.to_vec(),
    };
    let nofile = raise_nofile();
    eprintln!(
        "tasks_vs_threads: N = {}; RLIMIT_NOFILE {nofile}; threads capped at {} with {} KiB stacks",
        sizes.iter().map(|&n| label(n)).collect::<Vec<_>>().join(", "),
        label(THREAD_CAP),
        THREAD_STACK >> 10
    );

    let begun = Instant::now();
    let mut rows = Vec::new();
    for &workload in &workloads {
        for &n in &sizes {
            let mut cells = BTreeMap::new();
            for &contender in workload.contenders() {
                let cell_begun = Instant::now();
                let outcome = match not_run(workload, contender, n, nofile) {
                    Some(reason) => Err(reason),
                    None => in_child(workload, contender, n),
                };
                eprintln!(
                    "  {:<10} {:>5} {:<7} {:<40} [{:.1} s]",
                    workload.name(),
                    label(n),
                    contender,
                    match &outcome {
                        Ok(f) => format!("{} {}", fmt_unit(workload, f.per_unit), workload.unit()),
                        Err(reason) => reason.clone(),
                    },
                    cell_begun.elapsed().as_secs_f64()
                );
                cells.insert(contender, outcome);
            }
            rows.push(Row { workload, n, cells });
        }
    }

    println!(
        "\n## Tasks vs threads (threads: {} KiB stacks, capped at {}; tcp_idle clients: std TcpStreams in a separate \
         helper process, not in the server's RSS, 1 fd per connection in each, RLIMIT_NOFILE {nofile})",
        THREAD_STACK >> 10,
        label(THREAD_CAP)
    );
    print_tables(&rows);
    print_summary(&rows, &sizes);

    let svg = target_dir().join("tasks_vs_threads.svg");
    match draw_chart(&rows, &svg) {
        // Relative to the checkout, so that the report names no machine's paths.
        Ok(()) => {
            let shown = svg.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&svg);
            println!("\nChart: {}", shown.display());
        }
        Err(e) => eprintln!("chart failed: {e}"),
    }
    println!("Total bench time: {:.1} s", begun.elapsed().as_secs_f64());
}
