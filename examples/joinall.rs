//! gevent's first example, with green tasks instead of threads: ten tasks
//! each sleep one second and print their number, and the main task joins
//! them all. The run takes about one second, not ten, on one OS thread.
//!
//! Run it with `cargo run --release --example joinall`.

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
        os_threads().map_or_else(|| "unknown".into(), |n| n.to_string())
    );
}

/// The `Threads:` line of `/proc/self/status` (Linux).
fn os_threads() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}
