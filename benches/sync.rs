//! Benchmarks of grove's channels, queues and semaphores, each run side by
//! side on grove, tokio (current_thread with a `LocalSet`), smol's
//! `LocalExecutor` and OS threads where meaningful, so that every figure is
//! read as a ratio.
//!
//! - pingpong_channel: two tasks pass a counter back and forth 100k times,
//!   over one rendezvous (or one-slot) channel per direction.
//! - pingpong_switch: the same round trips over a `grove::switch` pair
//!   (grove only).
//! - queue: one producer puts 1M items through a queue bounded at 1024;
//!   one consumer gets them all.
//! - semaphore_uncontended: one task acquires and drops a single permit 1M
//!   times.
//! - semaphore_contended: 100 tasks share that single permit, each yielding
//!   while it holds it; 1M acquires in all.
//!
//! Run: `cargo bench --bench sync`. A ratio table follows criterion's own
//! output.

mod support;

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::SystemTime;

use async_executor::LocalExecutor;
use criterion::{BenchmarkGroup, Criterion, measurement::WallTime};
use grove::queue::{Channel, Queue};
use support::{
    CONTENDERS, criterion_mean_ns, group, pin_to_current_cpu, print_table, smol_local, tokio_local, tokio_runtime,
};
use tokio::task::spawn_local;

const ROUND_TRIPS: u64 = 100_000;
const ITEMS: u64 = 1_000_000;
const QUEUE_CAPACITY: usize = 1024;
const ACQUIRES: u64 = 1_000_000;
const CONTENDING_TASKS: u64 = 100;
const ACQUIRES_PER_TASK: u64 = ACQUIRES / CONTENDING_TASKS;

/// Every workload with the units it counts, for throughput and the table.
const WORKLOADS: [(&str, u64); 5] = [
    ("pingpong_channel", ROUND_TRIPS),
    ("pingpong_switch", ROUND_TRIPS),
    ("queue", ITEMS),
    ("semaphore_uncontended", ACQUIRES),
    ("semaphore_contended", ACQUIRES),
];

type Group<'a> = BenchmarkGroup<'a, WallTime>;
type SmolExecutor = LocalExecutor<'static>;

// Each workload returns the units it completed; the runners check that all
// `units` were. The three runtimes run on one thread each, pinned to its
// CPU (see `support::pin_to_current_cpu`); OS threads run unpinned.

fn bench_grove(g: &mut Group, units: u64, run: impl AsyncFn() -> u64) {
    let _pinned = pin_to_current_cpu();
    let rt = grove::Runtime::new().unwrap();
    g.bench_function("grove", |b| b.iter(|| assert_eq!(rt.block_on(run()), units)));
}

fn bench_tokio(g: &mut Group, units: u64, run: impl AsyncFn() -> u64) {
    let _pinned = pin_to_current_cpu();
    let rt = tokio_runtime();
    g.bench_function("tokio", |b| b.iter(|| assert_eq!(tokio_local(&rt, run()), units)));
}

fn bench_smol(g: &mut Group, units: u64, run: impl AsyncFn(&SmolExecutor) -> u64) {
    let _pinned = pin_to_current_cpu();
    let ex = SmolExecutor::new();
    g.bench_function("smol", |b| b.iter(|| assert_eq!(smol_local(&ex, run(&ex)), units)));
}

fn bench_threads(g: &mut Group, units: u64, run: fn() -> u64) {
    g.bench_function("threads", |b| b.iter(|| assert_eq!(run(), units)));
}

fn pingpong_channel(c: &mut Criterion) {
    let mut g = group(c, "pingpong_channel", ROUND_TRIPS);
    bench_grove(&mut g, ROUND_TRIPS, grove_pingpong);
    bench_tokio(&mut g, ROUND_TRIPS, tokio_pingpong);
    bench_smol(&mut g, ROUND_TRIPS, smol_pingpong);
}

async fn grove_pingpong() -> u64 {
    let (ab, ba) = (Channel::new(), Channel::new());
    let pong = grove::spawn({
        let (ab, ba) = (ab.clone(), ba.clone());
        async move {
            for _ in 0..ROUND_TRIPS {
                let n: u64 = ab.get().await.unwrap();
                ba.put(n + 1).await.unwrap();
            }
        }
    });
    let ping = grove::spawn(async move {
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            ab.put(n).await.unwrap();
            n = ba.get().await.unwrap();
        }
        n
    });
    pong.await.unwrap();
    ping.await.unwrap()
}

async fn tokio_pingpong() -> u64 {
    let (ab_tx, mut ab_rx) = tokio::sync::mpsc::channel(1);
    let (ba_tx, mut ba_rx) = tokio::sync::mpsc::channel(1);
    let pong = spawn_local(async move {
        for _ in 0..ROUND_TRIPS {
            let n: u64 = ab_rx.recv().await.unwrap();
            ba_tx.send(n + 1).await.unwrap();
        }
    });
    let ping = spawn_local(async move {
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            ab_tx.send(n).await.unwrap();
            n = ba_rx.recv().await.unwrap();
        }
        n
    });
    pong.await.unwrap();
    ping.await.unwrap()
}

async fn smol_pingpong(ex: &SmolExecutor) -> u64 {
    let (ab_tx, ab_rx) = async_channel::bounded(1);
    let (ba_tx, ba_rx) = async_channel::bounded(1);
    let pong = ex.spawn(async move {
        for _ in 0..ROUND_TRIPS {
            let n: u64 = ab_rx.recv().await.unwrap();
            ba_tx.send(n + 1).await.unwrap();
        }
    });
    let ping = ex.spawn(async move {
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            ab_tx.send(n).await.unwrap();
            n = ba_rx.recv().await.unwrap();
        }
        n
    });
    pong.await;
    ping.await
}

fn threads_pingpong() -> u64 {
    let (ab_tx, ab_rx) = sync_channel(0);
    let (ba_tx, ba_rx) = sync_channel(0);
    let pong = thread::spawn(move || {
        for _ in 0..ROUND_TRIPS {
            let n: u64 = ab_rx.recv().unwrap();
            ba_tx.send(n + 1).unwrap();
        }
    });
    let ping = thread::spawn(move || {
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            ab_tx.send(n).unwrap();
            n = ba_rx.recv().unwrap();
        }
        n
    });
    pong.join().unwrap();
    ping.join().unwrap()
}

fn pingpong_switch(c: &mut Criterion) {
    let mut g = group(c, "pingpong_switch", ROUND_TRIPS);
    bench_grove(&mut g, ROUND_TRIPS, grove_switch);
}

/// The responder switches back until the caller's end is dropped, which
/// its pending switch learns as `Dead`.
async fn grove_switch() -> u64 {
    let (caller_end, responder_end) = grove::switch::pair::<u64>();
    let responder = grove::spawn(async move {
        let mut v = responder_end.recv().await.unwrap();
        while let Ok(next) = responder_end.switch(v + 1).await {
            v = next;
        }
    });
    let caller = grove::spawn(async move {
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            n = caller_end.switch(n).await.unwrap();
        }
        n
    });
    let n = caller.await.unwrap();
    responder.await.unwrap();
    n
}

fn queue(c: &mut Criterion) {
    let mut g = group(c, "queue", ITEMS);
    bench_grove(&mut g, ITEMS, grove_queue);
    bench_tokio(&mut g, ITEMS, tokio_queue);
    bench_smol(&mut g, ITEMS, smol_queue);
}

/// The OS-thread contenders, in their workloads' groups, after every
/// runtime has run. They keep both vCPUs busy for about a minute, and on
/// this VM whatever ran right after them came out slower, by up to 1.4x
/// (the switch ping-pong at 60 to 70 ns after them, 43 to 49 ns without).
fn threads(c: &mut Criterion) {
    bench_threads(
        &mut group(c, "pingpong_channel", ROUND_TRIPS),
        ROUND_TRIPS,
        threads_pingpong,
    );
    bench_threads(&mut group(c, "queue", ITEMS), ITEMS, threads_queue);
}

// The producers put 0, 1, 2, ...; the consumers return how many items came
// in that order.

async fn grove_queue() -> u64 {
    let queue = Queue::bounded(QUEUE_CAPACITY);
    let producer = grove::spawn({
        let queue = queue.clone();
        async move {
            for i in 0..ITEMS {
                queue.put(i).await.unwrap();
            }
        }
    });
    let consumer = grove::spawn(async move {
        let mut in_order = 0;
        for i in 0..ITEMS {
            in_order += u64::from(queue.get().await.unwrap() == i);
        }
        in_order
    });
    producer.await.unwrap();
    consumer.await.unwrap()
}

async fn tokio_queue() -> u64 {
    let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUE_CAPACITY);
    let producer = spawn_local(async move {
        for i in 0..ITEMS {
            tx.send(i).await.unwrap();
        }
    });
    let consumer = spawn_local(async move {
        let mut in_order = 0;
        for i in 0..ITEMS {
            in_order += u64::from(rx.recv().await.unwrap() == i);
        }
        in_order
    });
    producer.await.unwrap();
    consumer.await.unwrap()
}

async fn smol_queue(ex: &SmolExecutor) -> u64 {
    let (tx, rx) = async_channel::bounded(QUEUE_CAPACITY);
    let producer = ex.spawn(async move {
        for i in 0..ITEMS {
            tx.send(i).await.unwrap();
        }
    });
    let consumer = ex.spawn(async move {
        let mut in_order = 0;
        for i in 0..ITEMS {
            in_order += u64::from(rx.recv().await.unwrap() == i);
        }
        in_order
    });
    producer.await;
    consumer.await
}

fn threads_queue() -> u64 {
    let (tx, rx) = sync_channel(QUEUE_CAPACITY);
    let producer = thread::spawn(move || {
        for i in 0..ITEMS {
            tx.send(i).unwrap();
        }
    });
    let consumer = thread::spawn(move || (0..ITEMS).map(|i| u64::from(rx.recv().unwrap() == i)).sum());
    producer.join().unwrap();
    consumer.join().unwrap()
}

fn semaphore_uncontended(c: &mut Criterion) {
    let mut g = group(c, "semaphore_uncontended", ACQUIRES);
    bench_grove(&mut g, ACQUIRES, grove_uncontended);
    bench_tokio(&mut g, ACQUIRES, tokio_uncontended);
    bench_smol(&mut g, ACQUIRES, smol_uncontended);
}

async fn grove_uncontended() -> u64 {
    let sem = grove::sync::Semaphore::new(1);
    let mut acquired = 0;
    for _ in 0..ACQUIRES {
        let _permit = sem.acquire().await;
        acquired += 1;
    }
    acquired
}

async fn tokio_uncontended() -> u64 {
    let sem = tokio::sync::Semaphore::new(1);
    let mut acquired = 0;
    for _ in 0..ACQUIRES {
        let _permit = sem.acquire().await.unwrap();
        acquired += 1;
    }
    acquired
}

/// Spawns nothing: the executor is unused.
async fn smol_uncontended(_ex: &SmolExecutor) -> u64 {
    let sem = async_lock::Semaphore::new(1);
    let mut acquired = 0;
    for _ in 0..ACQUIRES {
        let _permit = sem.acquire().await;
        acquired += 1;
    }
    acquired
}

fn semaphore_contended(c: &mut Criterion) {
    let mut g = group(c, "semaphore_contended", ACQUIRES);
    bench_grove(&mut g, ACQUIRES, grove_contended);
    bench_tokio(&mut g, ACQUIRES, tokio_contended);
    bench_smol(&mut g, ACQUIRES, smol_contended);
}

// Each task yields while it holds the only permit, so that the others queue
// up for it; the tasks return how many times they acquired it.

async fn grove_contended() -> u64 {
    let sem = grove::sync::Semaphore::new(1);
    let tasks: Vec<_> = (0..CONTENDING_TASKS)
        .map(|_| {
            let sem = sem.clone();
            grove::spawn(async move {
                for _ in 0..ACQUIRES_PER_TASK {
                    let _permit = sem.acquire().await;
                    grove::yield_now().await;
                }
                ACQUIRES_PER_TASK
            })
        })
        .collect();
    let mut acquired = 0;
    for task in tasks {
        acquired += task.await.unwrap();
    }
    acquired
}

async fn tokio_contended() -> u64 {
    let sem = Rc::new(tokio::sync::Semaphore::new(1));
    let tasks: Vec<_> = (0..CONTENDING_TASKS)
        .map(|_| {
            let sem = sem.clone();
            spawn_local(async move {
                for _ in 0..ACQUIRES_PER_TASK {
                    let _permit = sem.acquire().await.unwrap();
                    tokio::task::yield_now().await;
                }
                ACQUIRES_PER_TASK
            })
        })
        .collect();
    let mut acquired = 0;
    for task in tasks {
        acquired += task.await.unwrap();
    }
    acquired
}

async fn smol_contended(ex: &SmolExecutor) -> u64 {
    let sem = Rc::new(async_lock::Semaphore::new(1));
    let tasks: Vec<_> = (0..CONTENDING_TASKS)
        .map(|_| {
            let sem = sem.clone();
            ex.spawn(async move {
                for _ in 0..ACQUIRES_PER_TASK {
                    let _permit = sem.acquire().await;
                    futures_lite::future::yield_now().await;
                }
                ACQUIRES_PER_TASK
            })
        })
        .collect();
    let mut acquired = 0;
    for task in tasks {
        acquired += task.await;
    }
    acquired
}

fn main() {
    let started = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    pingpong_channel(&mut c);
    pingpong_switch(&mut c);
    queue(&mut c);
    semaphore_uncontended(&mut c);
    semaphore_contended(&mut c);
    threads(&mut c);
    c.final_summary();

    let mut rows: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
    for (workload, units) in WORKLOADS {
        for contender in CONTENDERS {
            if let Some(ns) = criterion_mean_ns(workload, contender, started) {
                rows.entry(workload.to_owned())
                    .or_default()
                    .insert(contender, ns / units as f64);
            }
        }
    }
    print_table("Time per unit (one run)", "ns", &rows);
}
