//! Shared by the benches: peers' executors, memory readings in child
//! processes, and the ratio table printed after criterion's run.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

/// A criterion group with the settings every bench uses: ten samples of
/// three seconds (the machine has two cores), reporting per `units`.
pub fn group<'a>(c: &'a mut Criterion, name: &str, units: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(units));
    group
}

/// The contenders, in the order tables show them.
pub const CONTENDERS: [&str; 4] = ["grove", "tokio", "smol", "threads"];

/// Runs `fut` on a tokio current_thread runtime with a `LocalSet`, so that
/// tasks may be `!Send` as on grove.
pub fn tokio_local<F: std::future::Future>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output {
    tokio::task::LocalSet::new().block_on(rt, fut)
}

/// A tokio current_thread runtime with timers.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// Keeps the calling thread on the CPU it is on now, until dropped; then it
/// may run on the CPUs it could before.
///
/// Single-threaded contenders are measured pinned. On a 2-vCPU VM the
/// kernel moves a lone busy thread between vCPUs, and a process that
/// migrates runs a tight loop up to 1.5x slower, with cold caches: a grove
/// `Channel` ping-pong (a scratch program, best of 7 runs of 1M round trips
/// per process) measured 44 to 77 ns per round trip from one process to the
/// next unpinned, and 44 to 46 ns pinned to either vCPU. Every
/// runtime contender gets the same; OS-thread contenders run unpinned,
/// since they need both cores.
pub struct Pinned(Option<libc::cpu_set_t>);

/// Pins the calling thread to its current CPU; see [`Pinned`]. If the OS
/// refuses, the thread stays as it was.
pub fn pin_to_current_cpu() -> Pinned {
    // SAFETY: `cpu_set_t` is plain bits, for which all zeroes is the empty
    // set; the calls get a pointer to it and its exact size, and affect
    // only this thread (pid 0).
    unsafe {
        let mut before: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        let cpu = libc::sched_getcpu();
        // `CPU_SET` panics past the set's size (`CPU_SETSIZE`, 1024 CPUs).
        let fits = usize::try_from(cpu).is_ok_and(|c| c < libc::CPU_SETSIZE as usize);
        if !fits || libc::sched_getaffinity(0, size, &mut before) != 0 {
            return Pinned(None);
        }
        let mut here: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut here);
        if libc::sched_setaffinity(0, size, &here) != 0 {
            return Pinned(None);
        }
        Pinned(Some(before))
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if let Some(before) = &self.0 {
            // SAFETY: as in `pin_to_current_cpu`, with the mask read there.
            unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), before) };
        }
    }
}

/// Runs `fut` on smol's `LocalExecutor`, driven by async-io's `block_on`
/// as `smol::block_on` does.
pub fn smol_local<T>(ex: &async_executor::LocalExecutor<'static>, fut: impl std::future::Future<Output = T>) -> T {
    async_io::block_on(ex.run(fut))
}

/// A field of `/proc/self/status`, in bytes (the file gives kB).
pub fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field}"));
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// The environment variable that makes the bench binary run one memory
/// workload as a child and print its figure.
const CHILD: &str = "GROVE_BENCH_CHILD";

/// A workload run in a child process: takes a contender's name, returns
/// its figure.
pub type ChildWorkload = (&'static str, fn(&str) -> f64);

/// If this process is a memory child, runs its workload and returns true.
pub fn run_child(workloads: &[ChildWorkload]) -> bool {
    let Ok(spec) = std::env::var(CHILD) else { return false };
    let (name, contender) = spec.split_once(':').expect("workload:contender");
    let (_, run) = workloads.iter().find(|(n, _)| *n == name).expect("known workload");
    println!("RESULT {}", run(contender));
    true
}

/// Runs `workload` for `contender` in a fresh child process, so that no
/// other contender's heap is counted, and returns the figure it printed.
pub fn in_child(workload: &str, contender: &str) -> Option<f64> {
    let out = Command::new(std::env::current_exe().ok()?)
        .env(CHILD, format!("{workload}:{contender}"))
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "{workload}/{contender} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("RESULT ")?.trim().parse().ok())
}

/// Prints a markdown table of per-unit figures with each contender's ratio
/// to grove's.
pub fn print_table(title: &str, unit: &str, rows: &BTreeMap<String, BTreeMap<&str, f64>>) {
    print_columns(title, unit, &CONTENDERS, rows);
}

/// [`print_table`] with other columns than the contenders; the first
/// column is the one the others are compared with.
pub fn print_columns(title: &str, unit: &str, columns: &[&str], rows: &BTreeMap<String, BTreeMap<&str, f64>>) {
    println!("\n### {title}\n");
    let heads: Vec<_> = columns.iter().map(|c| format!("{c} ({unit})")).collect();
    println!("| workload | {} |", heads.join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (workload, figures) in rows {
        let base = figures.get(columns[0]).copied();
        let cells: Vec<_> = columns
            .iter()
            .map(|&c| match (figures.get(c), base) {
                (Some(v), Some(b)) if c != columns[0] => format!("{} ({:.2}x {})", fmt(*v), v / b, columns[0]),
                (Some(v), _) => fmt(*v),
                (None, _) => "-".into(),
            })
            .collect();
        println!("| {workload} | {} |", cells.join(" | "));
    }
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Criterion's mean time per iteration, in ns, for `group/id`, if it was
/// measured after `since` (so old results never mix into this run's table).
pub fn criterion_mean_ns(group: &str, id: &str, since: SystemTime) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let path = target
        .join("criterion")
        .join(group)
        .join(id)
        .join("new")
        .join("estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

/// One contender of an interleaved run: its name, and a closure that runs
/// the workload once and returns its figure (time per unit, in ns).
pub type Round<'a> = (&'static str, Box<dyn FnMut() -> f64 + 'a>);

/// Runs every contender once per round, in turn, for `rounds` rounds, so
/// that the machine's drift over the run falls on all of them alike.
/// Returns each contender's figures, sorted.
pub fn interleaved(rounds: usize, contenders: &mut [Round<'_>]) -> BTreeMap<&'static str, Vec<f64>> {
    let mut figures: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for round in 1..=rounds {
        for (name, run) in contenders.iter_mut() {
            let figure = run();
            eprintln!("round {round}: {name} {}", fmt(figure));
            figures.entry(name).or_default().push(figure);
        }
    }
    for values in figures.values_mut() {
        values.sort_by(f64::total_cmp);
    }
    figures
}

/// Prints medians with their spread (lowest to highest) and each median's
/// ratio to the first column's.
pub fn print_spread(title: &str, unit: &str, columns: &[&str], rows: &BTreeMap<String, BTreeMap<&str, Vec<f64>>>) {
    println!("\n### {title}\n");
    let heads: Vec<_> = columns.iter().map(|c| format!("{c} ({unit})")).collect();
    println!("| workload | {} |", heads.join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (workload, figures) in rows {
        let base = figures.get(columns[0]).map(|v| median(v));
        let cells: Vec<_> = columns
            .iter()
            .map(|&c| match figures.get(c) {
                Some(v) if !v.is_empty() => {
                    let m = median(v);
                    let spread = format!("{} ({}–{})", fmt(m), fmt(v[0]), fmt(v[v.len() - 1]));
                    match base {
                        Some(b) if c != columns[0] => format!("{spread}, {:.2}x {}", m / b, columns[0]),
                        _ => spread,
                    }
                }
                _ => "-".into(),
            })
            .collect();
        println!("| {workload} | {} |", cells.join(" | "));
    }
}

/// The median of sorted `values`.
pub fn median(values: &[f64]) -> f64 {
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}
