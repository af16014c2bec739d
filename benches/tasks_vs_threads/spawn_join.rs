//! spawn_join: spawn N units that return at once, then join them all.

use std::hint::black_box;
use std::time::Instant;

use crate::Outcome;
use crate::measure::{best_of, thread_builder, timed};
use crate::support::{smol_local, tokio_local, tokio_runtime};

pub(crate) fn spawn_join(contender: &str, n: usize) -> Outcome {
    let best = match contender {
        "grove" => {
            let rt = grove::Runtime::new().map_err(|e| e.to_string())?;
            best_of(|| {
                Ok(rt.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..n).map(|i| grove::spawn(async move { black_box(i) })).collect();
                    for task in tasks {
                        black_box(task.await.unwrap());
                    }
                    start.elapsed()
                }))
            })?
        }
        "tokio" => {
            let rt = tokio_runtime();
            best_of(|| {
                Ok(tokio_local(&rt, async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..n)
                        .map(|i| tokio::task::spawn_local(async move { black_box(i) }))
                        .collect();
                    for task in tasks {
                        black_box(task.await.unwrap());
                    }
                    start.elapsed()
                }))
            })?
        }
        "smol" => {
            let ex = async_executor::LocalExecutor::new();
            best_of(|| {
                Ok(smol_local(&ex, async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..n).map(|i| ex.spawn(async move { black_box(i) })).collect();
                    for task in tasks {
                        black_box(task.await);
                    }
                    start.elapsed()
                }))
            })?
        }
        "threads" => best_of(|| {
            let start = Instant::now();
            let mut threads = Vec::with_capacity(n);
            for i in 0..n {
                match thread_builder().spawn(move || black_box(i)) {
                    Ok(t) => threads.push(t),
                    Err(e) => {
                        threads.into_iter().for_each(|t| {
                            let _ = t.join();
                        });
                        return Err(format!("spawn error after {i} threads: {e}"));
                    }
                }
            }
            for t in threads {
                black_box(t.join().unwrap());
            }
            Ok(start.elapsed())
        })?,
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(timed(best, n))
}
