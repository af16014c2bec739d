//! gevent's first example, with green tasks instead of threads: ten tasks
//! each sleep one second and print their number, and the main task joins
//! them all. The run takes about one second, not ten, on one OS thread.
//!
//! Run it with `cargo run --release --example joinall`.

#[path = "support/os_threads.rs"]
mod os_threads;

use std::time::{Duration, Instant};

fn main() {
    let start = Instant::now();
    let numbers = grove::run(async {
        let tasks: Vec<_> = (1..=10)
            .map(|n| {
                grove::spawn(async move {
                    grove::sleep(Duration::from_secs(1)).await;
                    println!("task {n} done");
                    n
                })
            })
            .collect();
        grove::joinall(tasks).await
    });
    let ok = numbers.iter().filter(|r| r.is_ok()).count();
    println!("joined {ok} tasks in {:.2?}", start.elapsed());
    println!(
        "OS threads used: {}",
        os_threads::os_threads().map_or_else(|| "unknown".into(), |n| n.to_string())
    );
}
