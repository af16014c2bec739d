//! Instruction counts of grove's hot paths, for before-and-after
//! comparisons that the machine's ±20% swings in time cannot blur.
//!
//! Each workload runs once inside a function named `measure_<workload>`;
//! `benches/instructions.sh` runs this program under callgrind, counting only
//! inside that function, and divides by the units of work. The workloads are
//! those of `benches/runtime.rs` and `benches/sync.rs`, on grove only and
//! smaller, since callgrind runs them about 50 times slower.
//!
//! Run: `bash benches/instructions.sh [BASE_REV]`. Run by `cargo bench`
//! without valgrind, it only checks that every workload completes.

use std::future::Future;
use std::hint::black_box;

use grove::queue::{Channel, Queue};

const SPAWNS: u64 = 100_000;
const YIELDS: u64 = 100_000;
const ROUND_TRIPS: u64 = 20_000;
const ITEMS: u64 = 200_000;
const ACQUIRES: u64 = 200_000;
const TIMEOUTS: u64 = 200_000;

/// A workload: its name, the units it counts, and its run.
type Workload = (&'static str, u64, fn(&grove::Runtime));

/// The workloads.
const WORKLOADS: [Workload; 8] = [
    ("spawn_join", SPAWNS, measure_spawn_join),
    ("yield", 2 * YIELDS, measure_yield),
    ("pingpong_channel", ROUND_TRIPS, measure_pingpong_channel),
    ("pingpong_switch", ROUND_TRIPS, measure_pingpong_switch),
    ("queue", ITEMS, measure_queue),
    ("semaphore_uncontended", ACQUIRES, measure_semaphore_uncontended),
    ("timeout_cancelled", TIMEOUTS, measure_timeout_cancelled),
    ("timeout_cancelled_in_task", TIMEOUTS, measure_timeout_cancelled_in_task),
];

#[inline(never)]
fn measure_spawn_join(rt: &grove::Runtime) {
    rt.block_on(async {
        let tasks: Vec<_> = (0..SPAWNS).map(|i| grove::spawn(async move { black_box(i) })).collect();
        for task in tasks {
            black_box(task.await.unwrap());
        }
    });
}

#[inline(never)]
fn measure_yield(rt: &grove::Runtime) {
    rt.block_on(async {
        let spin = || async {
            for _ in 0..YIELDS {
                grove::yield_now().await;
            }
        };
        let (a, b) = (grove::spawn(spin()), grove::spawn(spin()));
        a.await.unwrap();
        b.await.unwrap();
    });
}

#[inline(never)]
fn measure_pingpong_channel(rt: &grove::Runtime) {
    let n = rt.block_on(async {
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
    });
    assert_eq!(n, ROUND_TRIPS);
}

#[inline(never)]
fn measure_pingpong_switch(rt: &grove::Runtime) {
    let n = rt.block_on(async {
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
    });
    assert_eq!(n, ROUND_TRIPS);
}

#[inline(never)]
fn measure_queue(rt: &grove::Runtime) {
    let sum = rt.block_on(async {
        let queue = Queue::bounded(1024);
        let producer = grove::spawn({
            let queue = queue.clone();
            async move {
                for i in 0..ITEMS {
                    queue.put(i).await.unwrap();
                }
            }
        });
        let mut sum = 0;
        for _ in 0..ITEMS {
            sum += queue.get().await.unwrap();
        }
        producer.await.unwrap();
        sum
    });
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
}

#[inline(never)]
fn measure_semaphore_uncontended(rt: &grove::Runtime) {
    rt.block_on(async {
        let sem = grove::sync::Semaphore::new(1);
        for _ in 0..ACQUIRES {
            drop(black_box(sem.acquire().await));
        }
    });
}

/// A 10 s sleep created, polled once (which arms its timer) and dropped,
/// as a read timeout that the reply beats.
#[inline(never)]
fn measure_timeout_cancelled(rt: &grove::Runtime) {
    rt.block_on(async {
        let waker = std::task::Waker::noop();
        for _ in 0..TIMEOUTS {
            let mut sleep = std::pin::pin!(grove::sleep(std::time::Duration::from_secs(10)));
            let polled = sleep.as_mut().poll(&mut std::task::Context::from_waker(waker));
            assert!(polled.is_pending(), "a 10 s timeout fired at once");
        }
    });
}

/// As timeout_cancelled, but in a task that polls each sleep with its own
/// waker, as a task's read timeout is.
#[inline(never)]
fn measure_timeout_cancelled_in_task(rt: &grove::Runtime) {
    rt.block_on(async {
        let task = grove::spawn(std::future::poll_fn(|cx| {
            for _ in 0..TIMEOUTS {
                let mut sleep = std::pin::pin!(grove::sleep(std::time::Duration::from_secs(10)));
                assert!(sleep.as_mut().poll(cx).is_pending(), "a 10 s timeout fired at once");
            }
            std::task::Poll::Ready(())
        }));
        task.await.unwrap();
    });
}

fn main() {
    // `cargo bench` passes `--bench`; the probe takes a workload's name.
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let rt = grove::Runtime::new().unwrap();
    for (name, units, run) in WORKLOADS {
        if wanted.is_empty() || wanted.iter().any(|w| w == name) {
            run(&rt);
            println!("{name} {units}");
        }
    }
}
