//! sleepers: N units sleep 200 ms at once; resident memory per unit.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::Outcome;
use crate::measure::{FINISHED, STARTED, Sample, bump, count, rss, thread_builder};
use crate::support::{smol_local, tokio_local, tokio_runtime};

const NAP: Duration = Duration::from_millis(200);

/// Each sleeper's 200 ms start when it is first polled; memory is read once
/// every one has started.
pub(crate) fn sleepers(contender: &str, n: usize) -> Outcome {
    let tick = Duration::from_millis(1);
    let sample = match contender {
        "grove" => grove::run(async move {
            let before = rss();
            let start = Instant::now();
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    grove::spawn(async {
                        bump(&STARTED);
                        grove::sleep(NAP).await;
                        bump(&FINISHED);
                    })
                })
                .collect();
            while count(&STARTED) < n {
                grove::sleep(tick).await;
            }
            let (during, early) = (rss(), count(&FINISHED));
            for task in tasks {
                task.await.unwrap();
            }
            Sample {
                before,
                during,
                wall: start.elapsed(),
                early,
            }
        }),
        "tokio" => tokio_local(&tokio_runtime(), async move {
            let before = rss();
            let start = Instant::now();
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    tokio::task::spawn_local(async {
                        bump(&STARTED);
                        tokio::time::sleep(NAP).await;
                        bump(&FINISHED);
                    })
                })
                .collect();
            while count(&STARTED) < n {
                tokio::time::sleep(tick).await;
            }
            let (during, early) = (rss(), count(&FINISHED));
            for task in tasks {
                task.await.unwrap();
            }
            Sample {
                before,
                during,
                wall: start.elapsed(),
                early,
            }
        }),
        "smol" => {
            let ex = async_executor::LocalExecutor::new();
            smol_local(&ex, async {
                let before = rss();
                let start = Instant::now();
                let tasks: Vec<_> = (0..n)
                    .map(|_| {
                        ex.spawn(async {
                            bump(&STARTED);
                            async_io::Timer::after(NAP).await;
                            bump(&FINISHED);
                        })
                    })
                    .collect();
                while count(&STARTED) < n {
                    async_io::Timer::after(tick).await;
                }
                let (during, early) = (rss(), count(&FINISHED));
                for task in tasks {
                    task.await;
                }
                Sample {
                    before,
                    during,
                    wall: start.elapsed(),
                    early,
                }
            })
        }
        "threads" => {
            let before = rss();
            let start = Instant::now();
            // Every thread waits here until all exist, then sleeps.
            let barrier = Arc::new(Barrier::new(n + 1));
            let mut threads = Vec::with_capacity(n);
            for i in 0..n {
                let barrier = barrier.clone();
                match thread_builder().spawn(move || {
                    barrier.wait();
                    thread::sleep(NAP);
                }) {
                    Ok(t) => threads.push(t),
                    // The spawned threads wait at the barrier forever; this
                    // child process ends with them.
                    Err(e) => return Err(format!("spawn error after {i} threads: {e}")),
                }
            }
            barrier.wait();
            let during = rss();
            threads.into_iter().for_each(|t| t.join().unwrap());
            Sample {
                before,
                during,
                wall: start.elapsed(),
                early: 0,
            }
        }
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(sample.figure(n))
}
