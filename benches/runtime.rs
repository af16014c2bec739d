//! The runtime's benchmarks, each run side by side on grove, tokio
//! (current_thread with a `LocalSet`), smol's `LocalExecutor` and OS
//! threads where meaningful, so that every figure is read as a ratio.
//!
//! - spawn_join: spawn 100k trivial tasks, then await every handle.
//! - yield: two tasks each yield 500k times.
//! - timers: one million timers armed, then fired (all at one deadline).
//! - timeouts_cancelled: one million timeouts armed and dropped before they
//!   fire, as a read timeout that the reply beats (10 s out).
//! - timeouts_at_deadline: the same with the deadline read once per
//!   iteration (`sleep_until`), so without a clock read per timeout: the
//!   runtime's own share of timeouts_cancelled.
//! - sleepy_tasks: one million tasks, each sleeping 1 to 50 ms (deadlines
//!   out of order), spawned, fired and joined.
//! - sleepers: resident memory per task while 100k tasks, each an async
//!   block awaiting a 200 ms sleep, are held by their handles (each
//!   contender in a fresh child process).
//!
//! spawn_join and yield also run on `grove_monitor`: grove with the
//! blocked-loop monitor on (`Builder::max_blocking_time`), whose cost is a
//! relaxed store per poll and a side-table entry per task.
//!
//! The two timeout workloads then run again, 11 rounds of each contender
//! in turn (see `TIMEOUT_ROUNDS`), reported as medians with their spread.
//!
//! Run: `cargo bench --bench runtime`. Ratio tables follow criterion's own
//! output.

mod support;

use std::collections::BTreeMap;
use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, Throughput};
use support::{
    CONTENDERS, Round, criterion_mean_ns, group, in_child, interleaved, print_columns, print_spread, print_table,
    smol_local, tokio_local, tokio_runtime,
};

const SPAWN_N: u64 = 100_000;
/// Threads are far dearer; fewer per iteration, same per-unit figure.
const THREAD_SPAWN_N: u64 = 1_000;
const YIELDS_PER_TASK: u64 = 500_000;
const TIMERS: usize = 1_000_000;
/// Timers are armed with a deadline this far out, so that every contender
/// arms all of them before any fires.
const ARM_WINDOW: Duration = Duration::from_millis(1500);
/// How far out a cancelled timeout's deadline is.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Interleaved rounds of each timeout workload, after criterion's: the
/// machine's speed drifts by a third over the seconds that criterion spends
/// on one contender, and a timeout costs grove so little that the drift,
/// not the runtime, then decides its ratio.
const TIMEOUT_ROUNDS: usize = 11;
const SLEEPY_TASKS: u64 = 1_000_000;
const SLEEPERS: usize = 100_000;
const SLEEPING_THREADS: usize = 5_000;

/// grove as it runs by default, and with the blocked-loop monitor on.
fn grove_runtimes() -> [(&'static str, grove::Runtime); 2] {
    let monitored = grove::Runtime::builder()
        .max_blocking_time(Duration::from_millis(100))
        .build()
        .unwrap();
    [("grove", grove::Runtime::new().unwrap()), ("grove_monitor", monitored)]
}

fn spawn_join(c: &mut Criterion) {
    let mut g = group(c, "spawn_join", SPAWN_N);
    for (name, rt) in grove_runtimes() {
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let tasks: Vec<_> = (0..SPAWN_N)
                        .map(|i| grove::spawn(async move { black_box(i) }))
                        .collect();
                    for task in tasks {
                        black_box(task.await.unwrap());
                    }
                })
            })
        });
    }
    let tokio_rt = tokio_runtime();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_local(&tokio_rt, async {
                let tasks: Vec<_> = (0..SPAWN_N)
                    .map(|i| tokio::task::spawn_local(async move { black_box(i) }))
                    .collect();
                for task in tasks {
                    black_box(task.await.unwrap());
                }
            })
        })
    });
    let ex: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            smol_local(&ex, async {
                let tasks: Vec<_> = (0..SPAWN_N).map(|i| ex.spawn(async move { black_box(i) })).collect();
                for task in tasks {
                    black_box(task.await);
                }
            })
        })
    });
    g.throughput(Throughput::Elements(THREAD_SPAWN_N));
    g.bench_function("threads", |b| {
        b.iter(|| {
            let threads: Vec<_> = (0..THREAD_SPAWN_N)
                .map(|i| std::thread::spawn(move || black_box(i)))
                .collect();
            for thread in threads {
                black_box(thread.join().unwrap());
            }
        })
    });
}

fn yields(c: &mut Criterion) {
    let mut g = group(c, "yield", 2 * YIELDS_PER_TASK);
    for (name, rt) in grove_runtimes() {
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let spin = || async {
                        for _ in 0..YIELDS_PER_TASK {
                            grove::yield_now().await;
                        }
                    };
                    let (a, b) = (grove::spawn(spin()), grove::spawn(spin()));
                    a.await.unwrap();
                    b.await.unwrap();
                })
            })
        });
    }
    let tokio_rt = tokio_runtime();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_local(&tokio_rt, async {
                let spin = || async {
                    for _ in 0..YIELDS_PER_TASK {
                        tokio::task::yield_now().await;
                    }
                };
                let (a, b) = (tokio::task::spawn_local(spin()), tokio::task::spawn_local(spin()));
                a.await.unwrap();
                b.await.unwrap();
            })
        })
    });
    let ex: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            smol_local(&ex, async {
                let spin = || async {
                    for _ in 0..YIELDS_PER_TASK {
                        futures_lite::future::yield_now().await;
                    }
                };
                let (a, b) = (ex.spawn(spin()), ex.spawn(spin()));
                a.await;
                b.await;
            })
        })
    });
    g.bench_function("threads", |b| {
        b.iter(|| {
            let spin = || {
                for _ in 0..YIELDS_PER_TASK {
                    std::thread::yield_now();
                }
            };
            let (a, b) = (std::thread::spawn(spin), std::thread::spawn(spin));
            a.join().unwrap();
            b.join().unwrap();
        })
    });
}

/// Arms every timer (one poll each), waits for the deadline, then awaits
/// them all. Returns the time spent arming plus the time from the deadline
/// until all had fired: the timers' own cost, without the idle wait.
async fn arm_and_fire<S: Future + ?Sized>(timers: &mut [Pin<Box<S>>], deadline: Instant) -> Duration {
    let start = Instant::now();
    poll_fn(|cx| {
        for timer in timers.iter_mut() {
            assert!(timer.as_mut().poll(cx).is_pending(), "a timer fired early");
        }
        Poll::Ready(())
    })
    .await;
    let armed = Instant::now();
    assert!(armed < deadline, "arming took longer than ARM_WINDOW");
    for timer in timers.iter_mut() {
        timer.as_mut().await;
    }
    (armed - start) + deadline.elapsed()
}

fn timers(c: &mut Criterion) {
    let mut g = group(c, "timers", TIMERS as u64);
    let rt = grove::Runtime::new().unwrap();
    g.bench_function("grove", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let deadline = Instant::now() + ARM_WINDOW;
                    let mut timers: Vec<_> = (0..TIMERS).map(|_| Box::pin(grove::sleep_until(deadline))).collect();
                    rt.block_on(arm_and_fire(&mut timers, deadline))
                })
                .sum()
        })
    });
    let tokio_rt = tokio_runtime();
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let deadline = Instant::now() + ARM_WINDOW;
                    let at = tokio::time::Instant::from_std(deadline);
                    tokio_rt.block_on(async {
                        let mut timers: Vec<_> = (0..TIMERS).map(|_| Box::pin(tokio::time::sleep_until(at))).collect();
                        arm_and_fire(&mut timers, deadline).await
                    })
                })
                .sum()
        })
    });
    let ex: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new();
    g.bench_function("smol", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let deadline = Instant::now() + ARM_WINDOW;
                    let mut timers: Vec<_> = (0..TIMERS).map(|_| Box::pin(async_io::Timer::at(deadline))).collect();
                    smol_local(&ex, arm_and_fire(&mut timers, deadline))
                })
                .sum()
        })
    });
}

/// Polls `timer` once, arming it, then drops it: a timeout that the
/// awaited reply beat.
fn arm_and_cancel<S: Future>(timer: S) {
    let mut timer = std::pin::pin!(timer);
    let waker = futures::task::noop_waker();
    let polled = timer.as_mut().poll(&mut std::task::Context::from_waker(&waker));
    assert!(polled.is_pending(), "a 10 s timeout fired at once");
}

fn timeouts_cancelled(c: &mut Criterion) -> BTreeMap<&'static str, Vec<f64>> {
    arm_and_cancel_all(
        c,
        "timeouts_cancelled",
        |_| grove::sleep(TIMEOUT),
        |_| tokio::time::sleep(TIMEOUT),
        |_| async_io::Timer::after(TIMEOUT),
    )
}

/// As timeouts_cancelled, with the deadline computed once per iteration:
/// the runtime's own cost, without a read of the clock per timeout.
fn timeouts_at_deadline(c: &mut Criterion) -> BTreeMap<&'static str, Vec<f64>> {
    arm_and_cancel_all(
        c,
        "timeouts_at_deadline",
        grove::sleep_until,
        |deadline| tokio::time::sleep_until(deadline.into()),
        async_io::Timer::at,
    )
}

/// Arms and cancels `TIMERS` timers on each contender, each made by its
/// function from a deadline `TIMEOUT` out, read once per iteration: under
/// criterion, then in `TIMEOUT_ROUNDS` interleaved rounds, whose figures
/// (ns per timeout) it returns.
fn arm_and_cancel_all<G: Future, T: Future, S: Future>(
    c: &mut Criterion,
    workload: &str,
    grove_timer: impl Fn(Instant) -> G,
    tokio_timer: impl Fn(Instant) -> T,
    smol_timer: impl Fn(Instant) -> S,
) -> BTreeMap<&'static str, Vec<f64>> {
    let rt = grove::Runtime::new().unwrap();
    let grove = || {
        rt.block_on(async {
            let deadline = Instant::now() + TIMEOUT;
            (0..TIMERS).for_each(|_| arm_and_cancel(grove_timer(deadline)))
        })
    };
    let tokio_rt = tokio_runtime();
    let tokio = || {
        tokio_rt.block_on(async {
            let deadline = Instant::now() + TIMEOUT;
            (0..TIMERS).for_each(|_| arm_and_cancel(tokio_timer(deadline)))
        })
    };
    let ex: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new();
    let smol = || {
        smol_local(&ex, async {
            let deadline = Instant::now() + TIMEOUT;
            (0..TIMERS).for_each(|_| arm_and_cancel(smol_timer(deadline)))
        })
    };
    let mut g = group(c, workload, TIMERS as u64);
    g.bench_function("grove", |b| b.iter(grove));
    g.bench_function("tokio", |b| b.iter(tokio));
    g.bench_function("smol", |b| b.iter(smol));
    g.finish();
    let per_timeout = |run: &dyn Fn()| {
        let start = Instant::now();
        run();
        start.elapsed().as_nanos() as f64 / TIMERS as f64
    };
    let mut contenders: [Round<'_>; 3] = [
        ("grove", Box::new(|| per_timeout(&grove))),
        ("tokio", Box::new(|| per_timeout(&tokio))),
        ("smol", Box::new(|| per_timeout(&smol))),
    ];
    interleaved(TIMEOUT_ROUNDS, &mut contenders)
}

/// Task `i`'s nap: 1 to 50 ms, so that deadlines come out of order.
fn nap(i: u64) -> Duration {
    Duration::from_millis(1 + (i * 7) % 50)
}

fn sleepy_tasks(c: &mut Criterion) {
    let mut g = group(c, "sleepy_tasks", SLEEPY_TASKS);
    let rt = grove::Runtime::new().unwrap();
    g.bench_function("grove", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..SLEEPY_TASKS).map(|i| grove::spawn(grove::sleep(nap(i)))).collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });
    let tokio_rt = tokio_runtime();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_local(&tokio_rt, async {
                let tasks: Vec<_> = (0..SLEEPY_TASKS)
                    .map(|i| tokio::task::spawn_local(tokio::time::sleep(nap(i))))
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });
    let ex: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            smol_local(&ex, async {
                let tasks: Vec<_> = (0..SLEEPY_TASKS)
                    .map(|i| ex.spawn(async move { async_io::Timer::after(nap(i)).await }))
                    .collect();
                for task in tasks {
                    task.await;
                }
            })
        })
    });
}

/// Bytes of resident memory per sleeping unit, measured in this (child)
/// process: the growth of VmRSS while every unit sleeps.
fn sleepers(contender: &str) -> f64 {
    let nap = Duration::from_millis(200);
    let before = support::status_bytes("VmRSS:");
    let during = match contender {
        "grove" => grove::run(async {
            let tasks: Vec<_> = (0..SLEEPERS)
                .map(|_| grove::spawn(async move { grove::sleep(nap).await }))
                .collect();
            grove::sleep(nap / 2).await;
            let during = support::status_bytes("VmRSS:");
            grove::joinall(tasks).await;
            during
        }),
        "tokio" => tokio_local(&tokio_runtime(), async {
            let tasks: Vec<_> = (0..SLEEPERS)
                .map(|_| tokio::task::spawn_local(async move { tokio::time::sleep(nap).await }))
                .collect();
            tokio::time::sleep(nap / 2).await;
            let during = support::status_bytes("VmRSS:");
            for task in tasks {
                task.await.unwrap();
            }
            during
        }),
        "smol" => {
            let ex: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new();
            smol_local(&ex, async {
                let tasks: Vec<_> = (0..SLEEPERS)
                    .map(|_| {
                        ex.spawn(async move {
                            async_io::Timer::after(nap).await;
                        })
                    })
                    .collect();
                async_io::Timer::after(nap / 2).await;
                let during = support::status_bytes("VmRSS:");
                for task in tasks {
                    task.await;
                }
                during
            })
        }
        "threads" => {
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(SLEEPING_THREADS + 1));
            let threads: Vec<_> = (0..SLEEPING_THREADS)
                .map(|_| {
                    let barrier = barrier.clone();
                    std::thread::Builder::new()
                        .stack_size(64 << 10)
                        .spawn(move || {
                            barrier.wait();
                            std::thread::sleep(nap);
                        })
                        .unwrap()
                })
                .collect();
            barrier.wait();
            let during = support::status_bytes("VmRSS:");
            threads.into_iter().for_each(|t| t.join().unwrap());
            return (during - before) as f64 / SLEEPING_THREADS as f64;
        }
        other => panic!("unknown contender {other}"),
    };
    (during - before) as f64 / SLEEPERS as f64
}

fn main() {
    if support::run_child(&[("sleepers", sleepers)]) {
        return;
    }
    let started = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    spawn_join(&mut c);
    yields(&mut c);
    timers(&mut c);
    let mut timeouts = BTreeMap::new();
    timeouts.insert("timeouts_cancelled".to_owned(), timeouts_cancelled(&mut c));
    timeouts.insert("timeouts_at_deadline".to_owned(), timeouts_at_deadline(&mut c));
    sleepy_tasks(&mut c);
    c.final_summary();

    let mut rows: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
    for (workload, units) in [
        ("spawn_join", SPAWN_N),
        ("yield", 2 * YIELDS_PER_TASK),
        ("timers", TIMERS as u64),
        ("timeouts_cancelled", TIMERS as u64),
        ("timeouts_at_deadline", TIMERS as u64),
        ("sleepy_tasks", SLEEPY_TASKS),
    ] {
        for contender in CONTENDERS {
            let units = if workload == "spawn_join" && contender == "threads" {
                THREAD_SPAWN_N
            } else {
                units
            };
            if let Some(ns) = criterion_mean_ns(workload, contender, started) {
                rows.entry(workload.to_owned())
                    .or_default()
                    .insert(contender, ns / units as f64);
            }
        }
    }
    print_table("Time per unit (one run)", "ns", &rows);
    print_spread(
        &format!("Timeouts: median of {TIMEOUT_ROUNDS} interleaved rounds (lowest–highest)"),
        "ns",
        &["grove", "tokio", "smol"],
        &timeouts,
    );

    let mut monitor: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
    for (workload, units) in [("spawn_join", SPAWN_N), ("yield", 2 * YIELDS_PER_TASK)] {
        for contender in ["grove", "grove_monitor"] {
            if let Some(ns) = criterion_mean_ns(workload, contender, started) {
                monitor
                    .entry(workload.to_owned())
                    .or_default()
                    .insert(contender, ns / units as f64);
            }
        }
    }
    print_columns(
        "The monitor's cost (one run)",
        "ns",
        &["grove", "grove_monitor"],
        &monitor,
    );

    let mut memory: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
    for contender in CONTENDERS {
        if let Some(bytes) = in_child("sleepers", contender) {
            memory.entry("sleepers".into()).or_default().insert(contender, bytes);
        }
    }
    print_table("Resident memory per sleeping task (one run)", "bytes", &memory);
}
