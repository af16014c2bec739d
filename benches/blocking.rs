//! Benchmarks of the blocking pool, run side by side on grove
//! (`spawn_blocking`), tokio (`spawn_blocking` on a current_thread
//! runtime), smol (`blocking::unblock` from a `LocalExecutor`) and plain OS
//! threads fed over std channels, so that every figure is read as a ratio.
//!
//! - round_trip: one job at a time on an idle pool, 10k times in a row:
//!   the latency from handing a job over to having its result back.
//! - throughput: 100k tiny jobs in flight at once on 4 threads, timed in
//!   5 interleaved rounds (each contender once per round, 5 batches each)
//!   and reported as the median with its spread.
//!
//! Run: `cargo bench --bench blocking`. Ratio tables follow criterion's
//! own output.

mod support;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Instant, SystemTime};

use async_executor::LocalExecutor;
use criterion::Criterion;
use support::{CONTENDERS, Round, criterion_mean_ns, group, interleaved, print_spread, print_table, smol_local};

const ROUND_TRIPS: u64 = 10_000;
const JOBS: u64 = 100_000;
const THREADS: usize = 4;

fn grove_runtime() -> grove::Runtime {
    grove::Runtime::builder().blocking_threads(THREADS).build().unwrap()
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(THREADS)
        .build()
        .unwrap()
}

/// A job for the plain-threads contender, with the channel its result goes
/// back on.
type ThreadJob = (u64, Sender<u64>);

/// `n` threads taking jobs from one shared channel, as a hand-rolled pool
/// does.
fn thread_pool(n: usize) -> Sender<ThreadJob> {
    let (tx, rx) = channel::<ThreadJob>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..n {
        let rx = rx.clone();
        thread::spawn(move || {
            loop {
                let job = rx.lock().unwrap().recv();
                let Ok((n, back)) = job else { return };
                let _ = back.send(black_box(n));
            }
        });
    }
    tx
}

fn round_trip(c: &mut Criterion) {
    let mut g = group(c, "round_trip", ROUND_TRIPS);
    let rt = grove_runtime();
    g.bench_function("grove", |b| {
        b.iter(|| {
            rt.block_on(async {
                for i in 0..ROUND_TRIPS {
                    black_box(grove::spawn_blocking(move || black_box(i)).await.unwrap());
                }
            })
        })
    });
    let tokio_rt = tokio_runtime();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                for i in 0..ROUND_TRIPS {
                    black_box(tokio::task::spawn_blocking(move || black_box(i)).await.unwrap());
                }
            })
        })
    });
    let ex: LocalExecutor<'static> = LocalExecutor::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            smol_local(&ex, async {
                for i in 0..ROUND_TRIPS {
                    black_box(blocking::unblock(move || black_box(i)).await);
                }
            })
        })
    });
    let pool = thread_pool(1);
    g.bench_function("threads", |b| {
        b.iter(|| {
            let (back, results): (Sender<u64>, Receiver<u64>) = channel();
            for i in 0..ROUND_TRIPS {
                pool.send((i, back.clone())).unwrap();
                black_box(results.recv().unwrap());
            }
        })
    });
    g.finish();
}

/// Batches of [`JOBS`] per contender per round.
const BATCHES: u32 = 5;
/// Interleaved rounds: throughput swings most from run to run, with four
/// pool threads on two cores, so it is read as a median with its spread.
const ROUNDS: usize = 5;

/// Time per job of `batch`, run [`BATCHES`] times, in ns.
fn per_job(mut batch: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..BATCHES {
        batch();
    }
    started.elapsed().as_nanos() as f64 / f64::from(BATCHES) / JOBS as f64
}

/// 100k tiny jobs in flight at once, in interleaved rounds.
fn throughput() -> BTreeMap<&'static str, Vec<f64>> {
    let rt = grove_runtime();
    let tokio_rt = tokio_runtime();
    let ex: LocalExecutor<'static> = LocalExecutor::new();
    let pool = thread_pool(THREADS);
    let mut contenders: Vec<Round<'_>> = vec![
        (
            "grove",
            Box::new(|| {
                per_job(|| {
                    rt.block_on(async {
                        let jobs: Vec<_> = (0..JOBS).map(|i| grove::spawn_blocking(move || black_box(i))).collect();
                        for job in jobs {
                            black_box(job.await.unwrap());
                        }
                    })
                })
            }),
        ),
        (
            "tokio",
            Box::new(|| {
                per_job(|| {
                    tokio_rt.block_on(async {
                        let jobs: Vec<_> = (0..JOBS)
                            .map(|i| tokio::task::spawn_blocking(move || black_box(i)))
                            .collect();
                        for job in jobs {
                            black_box(job.await.unwrap());
                        }
                    })
                })
            }),
        ),
        (
            "smol",
            Box::new(|| {
                per_job(|| {
                    smol_local(&ex, async {
                        let jobs: Vec<_> = (0..JOBS).map(|i| blocking::unblock(move || black_box(i))).collect();
                        for job in jobs {
                            black_box(job.await);
                        }
                    })
                })
            }),
        ),
        (
            "threads",
            Box::new(|| {
                per_job(|| {
                    let (back, results) = channel();
                    for i in 0..JOBS {
                        pool.send((i, back.clone())).unwrap();
                    }
                    for _ in 0..JOBS {
                        black_box(results.recv().unwrap());
                    }
                })
            }),
        ),
    ];
    // A first round warms every pool and is not counted.
    interleaved(1, &mut contenders);
    interleaved(ROUNDS, &mut contenders)
}

fn main() {
    // smol's pool reads its size once, at first use; only the main thread
    // exists yet.
    // SAFETY: no other thread runs, so nothing reads the environment while
    // it changes.
    unsafe { std::env::set_var("BLOCKING_MAX_THREADS", THREADS.to_string()) };
    let started = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    round_trip(&mut c);
    c.final_summary();
    let spread = BTreeMap::from([("throughput".to_owned(), throughput())]);

    let mut rows: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
    for contender in CONTENDERS {
        if let Some(ns) = criterion_mean_ns("round_trip", contender, started) {
            rows.entry("round_trip".to_owned())
                .or_default()
                .insert(contender, ns / ROUND_TRIPS as f64);
        }
    }
    print_table("Time per job (one run)", "ns", &rows);
    print_spread(
        &format!("Time per job: median of {ROUNDS} interleaved rounds (lowest–highest)"),
        "ns",
        &CONTENDERS,
        &spread,
    );
}
