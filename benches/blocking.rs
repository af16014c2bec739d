//! Benchmarks of the blocking pool, run side by side on grove
//! (`spawn_blocking`), tokio (`spawn_blocking` on a current_thread
//! runtime), smol (`blocking::unblock` from a `LocalExecutor`) and plain OS
//! threads fed over std channels, so that every figure is read as a ratio.
//!
//! - round_trip: one job at a time on an idle pool, 10k times in a row:
//!   the latency from handing a job over to having its result back.
//! - throughput: 100k tiny jobs in flight at once on 4 threads.
//!
//! Run: `cargo bench --bench blocking`. A ratio table follows criterion's
//! own output.

mod support;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::SystemTime;

use async_executor::LocalExecutor;
use criterion::Criterion;
use support::{CONTENDERS, criterion_mean_ns, group, print_table, smol_local};

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

fn throughput(c: &mut Criterion) {
    let mut g = group(c, "throughput", JOBS);
    let rt = grove_runtime();
    g.bench_function("grove", |b| {
        b.iter(|| {
            rt.block_on(async {
                let jobs: Vec<_> = (0..JOBS).map(|i| grove::spawn_blocking(move || black_box(i))).collect();
                for job in jobs {
                    black_box(job.await.unwrap());
                }
            })
        })
    });
    let tokio_rt = tokio_runtime();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                let jobs: Vec<_> = (0..JOBS)
                    .map(|i| tokio::task::spawn_blocking(move || black_box(i)))
                    .collect();
                for job in jobs {
                    black_box(job.await.unwrap());
                }
            })
        })
    });
    let ex: LocalExecutor<'static> = LocalExecutor::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            smol_local(&ex, async {
                let jobs: Vec<_> = (0..JOBS).map(|i| blocking::unblock(move || black_box(i))).collect();
                for job in jobs {
                    black_box(job.await);
                }
            })
        })
    });
    let pool = thread_pool(THREADS);
    g.bench_function("threads", |b| {
        b.iter(|| {
            let (back, results) = channel();
            for i in 0..JOBS {
                pool.send((i, back.clone())).unwrap();
            }
            for _ in 0..JOBS {
                black_box(results.recv().unwrap());
            }
        })
    });
    g.finish();
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
    throughput(&mut c);
    c.final_summary();

    let mut rows: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
    for (workload, units) in [("round_trip", ROUND_TRIPS), ("throughput", JOBS)] {
        for contender in CONTENDERS {
            if let Some(ns) = criterion_mean_ns(workload, contender, started) {
                rows.entry(workload.to_owned())
                    .or_default()
                    .insert(contender, ns / units as f64);
            }
        }
    }
    print_table("Time per job (one run)", "ns", &rows);
}
