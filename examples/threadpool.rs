//! Python's thread-pool examples with green tasks: `pool.map(f, range(10))`,
//! the `apply_async` loop with `close()` and `join()` (and its `callback`
//! variant), `imap` and `imap_unordered`, a job abandoned by a `timeout`,
//! `terminate()`, and a blocking `std::thread::sleep` that leaves a green
//! ticker ticking.
//!
//! Run it with `cargo run --example threadpool`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use futures::StreamExt;
use grove::blocking::ThreadPool;

fn square(n: u64) -> u64 {
    n * n
}

/// Something slow that blocks its thread, as a C library call would.
fn slow_square(n: u64) -> u64 {
    thread::sleep(Duration::from_millis(10 * (5 - n)));
    n * n
}

/// ```python
/// pool = ThreadPool(4)
/// results = [pool.apply_async(func=f1, args=(i,)) for i in range(10)]
/// pool.close()
/// pool.join()
/// print([r.get() for r in results])
/// ```
///
/// `spawn` is `apply_async`, and the `JoinHandle` it gives is the
/// `AsyncResult`.
async fn apply_async() {
    let pool = ThreadPool::new(4);
    let mut results = Vec::new();
    for i in 0..10 {
        results.push(pool.spawn(move || square(i)).await.expect("the pool is open"));
    }
    pool.close();
    pool.join().await;
    let values = grove::try_joinall(results).await.expect("square does not panic");
    println!("apply_async, close, join: {values:?}");
}

/// ```python
/// collected = []
/// for i in range(10):
///     pool.apply_async(func=f1, args=(i,), callback=collected.append)
/// pool.close()
/// pool.join()
/// ```
///
/// A callback is a green task that awaits the job's handle: it runs on the
/// loop's thread, one at a time, as Python's run on the pool's one result
/// thread, so it can touch the loop's state without a lock.
async fn apply_async_with_callback() {
    let pool = ThreadPool::new(4);
    let collected = Rc::new(RefCell::new(Vec::new()));
    let mut callbacks = Vec::new();
    for i in 0..10 {
        let job = pool.spawn(move || square(i)).await.expect("the pool is open");
        let collected = collected.clone();
        callbacks.push(grove::spawn(async move {
            if let Ok(value) = job.await {
                collected.borrow_mut().push(value);
            }
        }));
    }
    pool.close();
    pool.join().await;
    // Python's join also waits for the callbacks; here they are tasks.
    grove::joinall(callbacks).await;
    let mut collected = collected.take();
    collected.sort_unstable();
    println!("apply_async with a callback: {collected:?}");
}

/// `pool.terminate()`: the job running finishes (a thread cannot be
/// stopped) and its result is dropped; the queued ones never run.
async fn terminate() {
    let pool = ThreadPool::new(1);
    let mut jobs = Vec::new();
    for i in 0..5 {
        let job = pool.spawn(move || slow_square(i)).await.expect("the pool is open");
        jobs.push(job);
    }
    pool.terminate();
    let killed = grove::joinall(jobs)
        .await
        .iter()
        .filter(|result| result.as_ref().is_err_and(grove::JoinError::is_killed))
        .count();
    pool.join().await;
    println!("terminate: {killed} of 5 tasks ended killed; at most the first job ran");
}

fn main() {
    grove::run(async {
        apply_async().await;
        apply_async_with_callback().await;
        terminate().await;

        let pool = ThreadPool::new(4);

        // pool.map(f, range(10)): results in input order.
        let squares = pool.map(0..10, square).await.expect("square does not panic");
        println!("map: {squares:?}");

        // imap: results in input order, each as soon as it is ready, with
        // at most twice as many jobs out as the pool has threads.
        let mut ordered = pool.imap(0..5, slow_square);
        print!("imap:");
        while let Some(n) = ordered.next().await {
            print!(" {}", n.expect("slow_square does not panic"));
        }
        println!();
        drop(ordered);

        // imap_unordered: results as they finish; the slowest comes last.
        let mut finished = pool.imap_unordered(0..5, slow_square);
        print!("imap_unordered:");
        while let Some(n) = finished.next().await {
            print!(" {}", n.expect("slow_square does not panic"));
        }
        println!();
        drop(finished);

        // A job that outlives its timeout: the wait ends, and a green task
        // went on running meanwhile.
        let counter = grove::spawn(async {
            let mut counted = 0u32;
            loop {
                grove::sleep(Duration::from_millis(5)).await;
                counted += 1;
                if counted == 5 {
                    return counted;
                }
            }
        });
        let job = pool
            .spawn(|| thread::sleep(Duration::from_millis(300)))
            .await
            .expect("the pool is open");
        match grove::timeout(Duration::from_millis(50), job).await {
            Ok(_) => println!("timeout: the job finished first (unexpected)"),
            Err(_) => println!("timeout: gave up on the job after 50 ms; its thread finishes it"),
        }
        let counted = counter.await.expect("the counter does not panic");
        println!("timeout: meanwhile a green task counted to {counted}, one every 5 ms");

        // A blocking sleep on a pool thread, while a green task ticks.
        let ticks = Rc::new(Cell::new(0u32));
        let ticker = grove::spawn({
            let ticks = ticks.clone();
            async move {
                let mut interval = grove::interval(Duration::from_millis(10));
                loop {
                    interval.tick().await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let start = Instant::now();
        let before = ticks.get();
        grove::spawn_blocking(|| thread::sleep(Duration::from_millis(200)))
            .await
            .expect("sleep does not panic");
        let during = ticks.get() - before;
        ticker.kill();
        println!(
            "blocking sleep of {:?}: the green ticker ticked {during} times meanwhile",
            start.elapsed()
        );
        assert!(during >= 10, "the loop stalled during the blocking call");

        pool.close();
        pool.join().await;
        println!(
            "pool closed and joined: {} jobs queued, {} busy",
            pool.queued(),
            pool.busy()
        );
    });
}
