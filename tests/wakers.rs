//! Wakers cross threads: stress loops that race foreign-thread wakes, clones
//! and drops against tasks finishing and the runtime shutting down. Each
//! scenario runs many rounds; a lost wake-up shows as a timeout, a
//! use-after-free as a crash (and under valgrind, as an error).

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

/// Wakers parked by tasks, for other threads to use.
type Board = Arc<Mutex<Vec<Waker>>>;

/// Waits until `done` reaches `goal`, parking a waker on `board` each time.
async fn wait_for(board: &Board, done: &AtomicUsize, goal: usize) {
    poll_fn(|cx| {
        if done.load(Ordering::Acquire) >= goal {
            return Poll::Ready(());
        }
        board.lock().unwrap().push(cx.waker().clone());
        // Re-check after parking: a wake may have raced the push.
        if done.load(Ordering::Acquire) >= goal {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

#[test]
fn foreign_wakes_are_never_lost() {
    const ROUNDS: usize = 40;
    const TASKS: usize = 64;
    const THREADS: usize = 4;
    const STEPS: usize = 200;
    for _ in 0..ROUNDS {
        let rt = grove::Runtime::new().unwrap();
        let board: Board = Arc::default();
        let progress = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (board, progress) = (board.clone(), progress.clone());
                grove::spawn(async move { wait_for(&board, &progress, THREADS * STEPS).await })
            })
            .collect();
        let barrier = Arc::new(Barrier::new(THREADS));
        let wakers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (board, progress, barrier) = (board.clone(), progress.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    // Start once every task has parked, so that the wakes
                    // below really cross threads into a waiting runtime.
                    while board.lock().unwrap().len() < TASKS {
                        std::thread::yield_now();
                    }
                    for step in 0..STEPS {
                        progress.fetch_add(1, Ordering::AcqRel);
                        let parked: Vec<Waker> = std::mem::take(&mut *board.lock().unwrap());
                        for (i, waker) in parked.into_iter().enumerate() {
                            // Mix every way of using a waker.
                            match (i + step + t) % 3 {
                                0 => waker.wake(),
                                1 => waker.wake_by_ref(),
                                _ => {
                                    // A clone outliving the original.
                                    let copy = waker.clone();
                                    drop(waker);
                                    copy.wake();
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        let all = rt.block_on(grove::timeout(Duration::from_secs(60), grove::joinall(tasks)));
        let all = all.expect("a wake from another thread was lost");
        assert!(all.iter().all(Result::is_ok));
        wakers.into_iter().for_each(|w| w.join().unwrap());
    }
}

#[test]
fn wakers_outlive_their_tasks_and_runtime() {
    const ROUNDS: usize = 100;
    for round in 0..ROUNDS {
        let board: Board = Arc::default();
        let rt = grove::Runtime::new().unwrap();
        for _ in 0..32 {
            let board = board.clone();
            drop(grove::spawn(async move {
                poll_fn(|cx| {
                    board.lock().unwrap().push(cx.waker().clone());
                    Poll::Ready(())
                })
                .await;
                // Finish at once: the waker outlives the task.
            }));
        }
        for _ in 0..32 {
            let board = board.clone();
            drop(grove::spawn(async move {
                poll_fn(|cx| {
                    board.lock().unwrap().push(cx.waker().clone());
                    Poll::<()>::Pending
                })
                .await
            }));
        }
        rt.run_until_stalled();
        // Race the runtime's drop against wakes and drops on threads.
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let board = board.clone();
                std::thread::spawn(move || {
                    for _ in 0..64 {
                        let waker = board.lock().unwrap().pop();
                        match waker {
                            Some(w) if (t + round) % 2 == 0 => w.wake(),
                            Some(w) => drop(w),
                            None => std::thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        drop(rt);
        threads.into_iter().for_each(|t| t.join().unwrap());
        // Whatever is left is used after the runtime is gone.
        for waker in std::mem::take(&mut *board.lock().unwrap()) {
            waker.wake_by_ref();
            waker.wake();
        }
    }
}

#[test]
fn handles_spawn_while_the_runtime_runs_and_drops() {
    const ROUNDS: usize = 50;
    for _ in 0..ROUNDS {
        let rt = grove::Runtime::new().unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(3));
        let spawners: Vec<_> = (0..2)
            .map(|_| {
                let (handle, ran, barrier) = (rt.handle(), ran.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..200)
                        .map(|_| {
                            let ran = ran.clone();
                            handle.spawn(async move {
                                ran.fetch_add(1, Ordering::Relaxed);
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        barrier.wait();
        rt.run_until_stalled();
        let handles: Vec<_> = spawners.into_iter().flat_map(|s| s.join().unwrap()).collect();
        drop(rt);
        // Every task either ran or was dropped with the runtime: each handle
        // says which, and the count of runs agrees.
        let finished: Vec<_> = handles.into_iter().map(futures::executor::block_on).collect();
        let ok = finished.iter().filter(|r| r.is_ok()).count();
        assert!(
            finished
                .iter()
                .all(|r| r.as_ref().map_or_else(|e| e.is_killed(), |_| true))
        );
        assert_eq!(ok, ran.load(Ordering::Relaxed));
    }
}

/// Eight runtimes on eight threads, and eight threads that send to tasks of
/// all of them: every wake finds its runtime (by id, with no process-wide
/// lock), and every message arrives. Runtimes are dropped and made again
/// between rounds, so their slots of the runtime table are reused (a stale
/// id meeting a reused slot is `runtime/shared/mod.rs`'s unit test).
#[test]
fn eight_runtimes_woken_from_eight_threads_all_make_progress() {
    use futures::StreamExt;
    use futures::channel::mpsc;

    const RUNTIMES: usize = 8;
    const SENDERS: usize = 8;
    const TASKS: usize = 16;
    const MESSAGES: usize = 200;
    for _round in 0..5 {
        let mut senders = Vec::new();
        let mut runtimes = Vec::new();
        for _ in 0..RUNTIMES {
            let (txs, rxs): (Vec<_>, Vec<_>) = (0..TASKS).map(|_| mpsc::unbounded::<usize>()).unzip();
            senders.push(txs);
            runtimes.push(std::thread::spawn(move || {
                grove::run(async move {
                    let tasks: Vec<_> = rxs
                        .into_iter()
                        .map(|rx| grove::spawn(rx.fold(0, |n, _| async move { n + 1 })))
                        .collect();
                    grove::joinall(tasks)
                        .await
                        .into_iter()
                        .map(Result::unwrap)
                        .sum::<usize>()
                })
            }));
        }
        let senders = Arc::new(senders);
        let threads: Vec<_> = (0..SENDERS)
            .map(|_| {
                let senders = senders.clone();
                std::thread::spawn(move || {
                    for m in 0..MESSAGES {
                        for runtime in senders.iter() {
                            runtime[m % TASKS].unbounded_send(m).unwrap();
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        // The sender threads are done: dropping the last senders ends every
        // task's stream.
        drop(senders);
        for runtime in runtimes {
            assert_eq!(runtime.join().unwrap(), SENDERS * MESSAGES);
        }
    }
}

/// Four threads wake 64 tasks as fast as they can, with `wake_by_ref` on
/// wakers they keep. Repeated wakes of a task already queued from another
/// thread are merged, so the loop is not buried under them: every task
/// reaches its count of polls. (Unmerged, each wake was a reference and a
/// push, and the inject queue grew faster than the loop could drain it.)
#[test]
fn a_wake_storm_from_four_threads_lets_every_task_make_progress() {
    const TASKS: usize = 64;
    const POLLS: usize = 20_000;
    let board: Board = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let storm: Vec<_> = (0..4)
        .map(|_| {
            let (board, stop) = (board.clone(), stop.clone());
            std::thread::spawn(move || {
                let wakers = loop {
                    let board = board.lock().unwrap();
                    if board.len() == TASKS {
                        break board.clone();
                    }
                    drop(board);
                    std::thread::yield_now();
                };
                let mut wakes = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for waker in &wakers {
                        waker.wake_by_ref();
                    }
                    wakes += TASKS as u64;
                }
                wakes
            })
        })
        .collect();
    let start = std::time::Instant::now();
    let (polls, taken): (Vec<usize>, u64) = grove::run(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let board = board.clone();
                grove::spawn(async move {
                    let mut polls = 0;
                    poll_fn(|cx| {
                        if polls == 0 {
                            board.lock().unwrap().push(cx.waker().clone());
                        }
                        polls += 1;
                        if polls == POLLS {
                            Poll::Ready(polls)
                        } else {
                            Poll::Pending
                        }
                    })
                    .await
                })
            })
            .collect();
        let done = grove::timeout(Duration::from_secs(60), grove::joinall(tasks)).await;
        let polls = done
            .expect("the storm buried the loop")
            .into_iter()
            .map(Result::unwrap)
            .collect();
        (polls, grove::runtime::metrics().remote_wakes)
    });
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let wakes: u64 = storm.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(polls.iter().all(|&p| p == POLLS));
    eprintln!(
        "{wakes} wakes sent, {taken} taken, for {} polls in {took:?}",
        TASKS * POLLS
    );
    // Merged, a task is taken in at most once per look at the inject
    // queue, and between two of its polls the loop looks a few times at
    // most; unmerged, every wake sent is taken, tens of millions.
    assert!(
        taken <= 3 * (TASKS * POLLS) as u64,
        "{taken} wakes taken for {} polls",
        TASKS * POLLS
    );
}
