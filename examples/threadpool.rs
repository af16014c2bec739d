//! Python's thread-pool examples with green tasks: `pool.map(f, range(10))`,
//! `imap_unordered`, a job abandoned by a `timeout`, and a blocking
//! `std::thread::sleep` that leaves a green ticker ticking.
//!
//! Run it with `cargo run --example threadpool`.

use std::cell::Cell;
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

fn main() {
    grove::run(async {
        let pool = ThreadPool::new(4);

        // pool.map(f, range(10)): results in input order.
        let squares = pool.map(0..10, square).await.expect("square does not panic");
        println!("map: {squares:?}");

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
