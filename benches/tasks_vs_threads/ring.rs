//! ring: N units pass one token around a ring of channels; time per hop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::Outcome;
use crate::measure::{STARTED, best_of, bump, count, thread_builder, timed};
use crate::support::{smol_local, tokio_local, tokio_runtime};

/// Times the token goes around the ring.
const LAPS: usize = 10;

/// The ring's links, turned so that unit `i` gets `(rx_i, tx_{i+1})`.
fn links<S, R>(n: usize, channel: impl Fn() -> (S, R)) -> Vec<(R, S)> {
    let (mut txs, rxs): (Vec<S>, Vec<R>) = (0..n).map(|_| channel()).unzip();
    txs.rotate_left(1);
    rxs.into_iter().zip(txs).collect()
}

/// Unit 0 is the caller: it sends the token to unit 1 and gets it back from
/// unit `n - 1`, `LAPS` times; every send is one hop and adds one to the
/// token. Only the hops are timed, once every unit has started.
pub(crate) fn ring(contender: &str, n: usize) -> Outcome {
    assert!(n >= 2, "a ring needs two units");
    let hops = (n * LAPS) as u64;
    let best = match contender {
        "grove" => {
            let rt = grove::Runtime::new().map_err(|e| e.to_string())?;
            best_of(|| {
                Ok(rt.block_on(async {
                    STARTED.set(0);
                    let mut links = links(n, || {
                        let channel = grove::queue::Channel::<u64>::new();
                        (channel.clone(), channel)
                    })
                    .into_iter();
                    let (from_last, to_first) = links.next().unwrap();
                    let units: Vec<_> = links
                        .map(|(rx, tx)| {
                            grove::spawn(async move {
                                bump(&STARTED);
                                for _ in 0..LAPS {
                                    let token = rx.get().await.unwrap();
                                    tx.put(token + 1).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    while count(&STARTED) < n - 1 {
                        grove::yield_now().await;
                    }
                    let start = Instant::now();
                    let mut token = 0;
                    for _ in 0..LAPS {
                        to_first.put(token + 1).await.unwrap();
                        token = from_last.get().await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(token, hops);
                    for unit in units {
                        unit.await.unwrap();
                    }
                    elapsed
                }))
            })?
        }
        "tokio" => {
            let rt = tokio_runtime();
            best_of(|| {
                Ok(tokio_local(&rt, async {
                    STARTED.set(0);
                    let mut links = links(n, || tokio::sync::mpsc::channel::<u64>(1)).into_iter();
                    let (mut from_last, to_first) = links.next().unwrap();
                    let units: Vec<_> = links
                        .map(|(mut rx, tx)| {
                            tokio::task::spawn_local(async move {
                                bump(&STARTED);
                                for _ in 0..LAPS {
                                    let token = rx.recv().await.unwrap();
                                    tx.send(token + 1).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    while count(&STARTED) < n - 1 {
                        tokio::task::yield_now().await;
                    }
                    let start = Instant::now();
                    let mut token = 0;
                    for _ in 0..LAPS {
                        to_first.send(token + 1).await.unwrap();
                        token = from_last.recv().await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(token, hops);
                    for unit in units {
                        unit.await.unwrap();
                    }
                    elapsed
                }))
            })?
        }
        "smol" => {
            let ex = async_executor::LocalExecutor::new();
            best_of(|| {
                Ok(smol_local(&ex, async {
                    STARTED.set(0);
                    let mut links = links(n, || async_channel::bounded::<u64>(1)).into_iter();
                    let (from_last, to_first) = links.next().unwrap();
                    let units: Vec<_> = links
                        .map(|(rx, tx)| {
                            ex.spawn(async move {
                                bump(&STARTED);
                                for _ in 0..LAPS {
                                    let token = rx.recv().await.unwrap();
                                    tx.send(token + 1).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    while count(&STARTED) < n - 1 {
                        futures_lite::future::yield_now().await;
                    }
                    let start = Instant::now();
                    let mut token = 0;
                    for _ in 0..LAPS {
                        to_first.send(token + 1).await.unwrap();
                        token = from_last.recv().await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(token, hops);
                    for unit in units {
                        unit.await;
                    }
                    elapsed
                }))
            })?
        }
        "threads" => best_of(|| {
            let started = Arc::new(AtomicUsize::new(0));
            let mut links = links(n, || std::sync::mpsc::sync_channel::<u64>(0)).into_iter();
            let (from_last, to_first) = links.next().unwrap();
            let mut units = Vec::with_capacity(n - 1);
            for (i, (rx, tx)) in links.enumerate() {
                let started = started.clone();
                // A unit whose neighbour is gone ends: if a spawn fails,
                // dropping this thread's ends unwinds the whole ring.
                let unit = thread_builder().spawn(move || {
                    started.fetch_add(1, Ordering::Relaxed);
                    for _ in 0..LAPS {
                        let Ok(token) = rx.recv() else { return };
                        if tx.send(token + 1).is_err() {
                            return;
                        }
                    }
                });
                match unit {
                    Ok(unit) => units.push(unit),
                    Err(e) => {
                        drop((from_last, to_first));
                        units.into_iter().for_each(|t| {
                            let _ = t.join();
                        });
                        return Err(format!("spawn error after {i} threads: {e}"));
                    }
                }
            }
            while started.load(Ordering::Relaxed) < n - 1 {
                thread::sleep(Duration::from_millis(1));
            }
            let start = Instant::now();
            let mut token = 0;
            for _ in 0..LAPS {
                to_first.send(token + 1).unwrap();
                token = from_last.recv().unwrap();
            }
            let elapsed = start.elapsed();
            assert_eq!(token, hops);
            units.into_iter().for_each(|t| t.join().unwrap());
            Ok(elapsed)
        })?,
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(timed(best, n * LAPS))
}
