//! The blocking pool: spawn_blocking and ThreadPool.
#![cfg(feature = "blocking")]

mod util;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use grove::blocking::{Error, SpawnError, ThreadPool};
use grove::{Runtime, spawn_blocking};
use util::gate::{Gate, drop_and_check_none_ran, eventually, occupy};

#[test]
fn map_returns_results_in_input_order() {
    grove::run(async {
        let pool = ThreadPool::new(4);
        // Later items finish first, so completion order is not input order.
        let out = pool
            .map(0..16u64, |n| {
                std::thread::sleep(Duration::from_millis(16 - n));
                n * n
            })
            .await
            .unwrap();
        assert_eq!(out, (0..16u64).map(|n| n * n).collect::<Vec<_>>());
    });
}

/// An endless stream, taken from slowly: the pool's queue bounds only the
/// jobs not yet started, so finished results must be bounded apart from it.
#[test]
fn imap_unordered_runs_no_more_than_two_jobs_a_thread_ahead_of_its_consumer() {
    grove::run(async {
        let pool = ThreadPool::new(2);
        let ran = Arc::new(AtomicUsize::new(0));
        let mut results = pool.imap_unordered(0usize.., {
            let ran = ran.clone();
            move |n| {
                ran.fetch_add(1, Ordering::SeqCst);
                n
            }
        });
        for taken in 1..=20 {
            results.next().await.unwrap().unwrap();
            grove::sleep(Duration::from_millis(1)).await;
            let ran = ran.load(Ordering::SeqCst);
            assert!(ran <= taken + 4, "{ran} jobs ran for {taken} results taken");
        }
    });
}

#[test]
fn imap_unordered_yields_every_result_once() {
    grove::run(async {
        let pool = ThreadPool::builder().max_threads(3).queue_limit(4).build();
        let results: Vec<usize> = pool.imap_unordered(0..500, |n| n).map(Result::unwrap).collect().await;
        assert_eq!(results.len(), 500);
        assert_eq!(results.into_iter().collect::<HashSet<_>>(), (0..500).collect());
    });
}

#[test]
fn map_reports_the_first_panic() {
    grove::run(async {
        let pool = ThreadPool::new(2);
        let err = pool.map(0..6, |n| assert_ne!(n, 3, "three")).await.unwrap_err();
        let Error::Join(err) = err else {
            panic!("expected a join error, got {err:?}")
        };
        let message = util::panic_message(&*err.into_panic());
        assert!(message.contains("three"), "{message}");
    });
}

#[test]
fn never_more_threads_than_the_maximum() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    grove::run(async {
        let pool = ThreadPool::new(3);
        let (running, peak) = (running.clone(), peak.clone());
        pool.map(0..60, move |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
        assert!(pool.threads() <= 3);
    });
    // At most: that all three run at once is the burst test's to show
    // (below), since a thread held off the CPU for 60 ms finds the jobs
    // all taken.
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak <= 3, "{peak} jobs ran at once on a pool of 3");
}

#[test]
fn green_tasks_run_while_every_pool_thread_blocks() {
    grove::run(async {
        let pool = ThreadPool::new(2);
        let gate = Gate::default();
        let mut blocked = Vec::new();
        for _ in 0..2 {
            let gate = gate.clone();
            blocked.push(pool.spawn(move || gate.wait()).await.unwrap());
        }
        eventually("both threads are busy", || pool.busy() == 2).await;
        // The loop still runs timers and tasks; only then is the gate opened.
        let ticker = grove::spawn(async {
            for _ in 0..5 {
                grove::sleep(Duration::from_millis(1)).await;
            }
        });
        ticker.await.unwrap();
        assert_eq!(pool.busy(), 2);
        gate.open();
        grove::joinall(blocked).await.into_iter().for_each(Result::unwrap);
    });
}

#[test]
fn a_panic_comes_back_as_a_join_error() {
    grove::run(async {
        let err = spawn_blocking(|| panic!("in the pool")).await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(util::panic_message(&*err.into_panic()), "in the pool");
        // The pool survives the panic and runs the next job.
        assert_eq!(spawn_blocking(|| 5).await.unwrap(), 5);
    });
}

#[test]
fn kill_before_start_removes_the_job() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let (gate, first) = occupy(&pool).await;
        let ran = Arc::new(AtomicBool::new(false));
        let second = {
            let ran = ran.clone();
            pool.spawn(move || ran.store(true, Ordering::SeqCst)).await.unwrap()
        };
        assert_eq!(pool.queued(), 1);
        second.kill();
        assert!(second.await.unwrap_err().is_killed());
        assert_eq!(pool.queued(), 0);
        gate.open();
        first.await.unwrap();
        pool.join().await;
        assert!(!ran.load(Ordering::SeqCst));
    });
}

#[test]
fn kill_after_start_lets_the_job_finish() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let gate = Gate::default();
        let finished = Arc::new(AtomicBool::new(false));
        let task = {
            let (gate, finished) = (gate.clone(), finished.clone());
            pool.spawn(move || {
                gate.wait();
                finished.store(true, Ordering::SeqCst);
            })
            .await
            .unwrap()
        };
        eventually("the job runs", || pool.busy() == 1).await;
        task.kill();
        gate.open();
        pool.join().await;
        assert!(finished.load(Ordering::SeqCst));
    });
}

#[test]
fn close_refuses_new_jobs_and_join_waits_for_queued_ones() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..10 {
            let done = done.clone();
            pool.spawn(move || {
                std::thread::sleep(Duration::from_millis(1));
                done.fetch_add(1, Ordering::SeqCst);
            })
            .await
            .unwrap();
        }
        pool.close();
        assert!(matches!(pool.spawn(|| ()).await, Err(SpawnError::Closed)));
        pool.join().await;
        assert_eq!(done.load(Ordering::SeqCst), 10);
        assert_eq!((pool.busy(), pool.queued()), (0, 0));
        // A closed pool's threads exit as soon as the queue is empty.
        eventually("the threads exit", || pool.threads() == 0).await;
    });
}

#[test]
fn dropping_the_pool_finishes_running_jobs_and_joins_threads() {
    let finished = Arc::new(AtomicBool::new(false));
    grove::run(async {
        let pool = ThreadPool::new(1);
        let finished = finished.clone();
        let task = pool
            .spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                finished.store(true, Ordering::SeqCst);
            })
            .await
            .unwrap();
        drop(task);
        pool.close();
        drop(pool);
    });
    assert!(finished.load(Ordering::SeqCst));
}

#[test]
fn dropping_the_runtime_waits_for_running_blocking_jobs() {
    let finished = Arc::new(AtomicBool::new(false));
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let finished = finished.clone();
        let started = Gate::default();
        let task = spawn_blocking({
            let started = started.clone();
            move || {
                started.open();
                std::thread::sleep(Duration::from_millis(30));
                finished.store(true, Ordering::SeqCst);
            }
        });
        grove::spawn_blocking(move || started.wait()).await.unwrap();
        drop(task);
    });
    drop(rt);
    assert!(finished.load(Ordering::SeqCst));
}

#[test]
fn idle_threads_exit_after_the_idle_timeout() {
    grove::run(async {
        let pool = ThreadPool::builder()
            .max_threads(4)
            .idle_timeout(Duration::from_millis(20))
            .build();
        let gate = Gate::default();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let gate = gate.clone();
            tasks.push(pool.spawn(move || gate.wait()).await.unwrap());
        }
        eventually("four threads run", || pool.busy() == 4).await;
        assert_eq!(pool.threads(), 4);
        gate.open();
        grove::joinall(tasks).await;
        eventually("idle threads exit", || pool.threads() == 0).await;
        // The pool starts threads again on demand. The job is held until
        // the count is read, so the new thread cannot have idled out yet.
        let (gate, job) = occupy(&pool).await;
        assert_eq!(pool.threads(), 1);
        gate.open();
        job.await.unwrap();
    });
}

#[test]
fn spawn_waits_for_room_when_the_queue_is_full() {
    grove::run(async {
        let pool = ThreadPool::builder().max_threads(1).queue_limit(2).build();
        let (gate, blocker) = occupy(&pool).await;
        let queued = [pool.spawn(|| 1).await.unwrap(), pool.spawn(|| 2).await.unwrap()];
        assert_eq!(pool.queued(), 2);
        // A spawn that finds the queue full waits; dropping it queues nothing.
        assert!(pool.spawn(|| 3).now_or_never().is_none());
        assert_eq!(pool.queued(), 2);
        let mut late = pool.spawn(|| 4);
        assert!((&mut late).now_or_never().is_none());
        gate.open();
        let late = late.await.unwrap();
        blocker.await.unwrap();
        let values: Vec<i32> = grove::joinall(queued).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, [1, 2]);
        assert_eq!(late.await.unwrap(), 4);
    });
}

#[test]
fn a_cancelled_wait_for_room_passes_the_room_on() {
    grove::run(async {
        let pool = Arc::new(ThreadPool::builder().max_threads(1).queue_limit(1).build());
        let (gate, blocker) = occupy(&pool).await;
        let queued = pool.spawn(|| 0).await.unwrap();
        // Two spawners wait for room; the first gives up once woken.
        let mut first = pool.spawn(|| 1);
        assert!((&mut first).now_or_never().is_none());
        let second = grove::spawn({
            let pool = pool.clone();
            async move { pool.spawn(|| 2).await.unwrap().await.unwrap() }
        });
        grove::yield_now().await;
        gate.open();
        eventually("the queue empties", || pool.queued() == 0).await;
        drop(first);
        let second = grove::timeout(Duration::from_secs(10), second)
            .await
            .expect("the room was lost: the second spawner was never woken");
        assert_eq!(second.unwrap(), 2);
        blocker.await.unwrap();
        queued.await.unwrap();
    });
}

#[test]
fn a_thread_the_os_refuses_is_an_error_at_spawn() {
    grove::run(async {
        // No OS can map a stack this large.
        let pool = ThreadPool::builder().stack_size(1 << 60).build();
        match pool.spawn(|| ()).await {
            Err(SpawnError::Thread(e)) => assert!(!e.to_string().is_empty()),
            other => panic!("expected a thread error, got {other:?}"),
        }
        assert_eq!((pool.threads(), pool.queued()), (0, 0));
    });
}

#[test]
fn spawn_blocking_respects_blocking_threads() {
    let rt = Runtime::builder().blocking_threads(2).build().unwrap();
    let peak = rt.block_on(async {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                spawn_blocking(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(2));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        grove::joinall(tasks).await.into_iter().for_each(Result::unwrap);
        peak.load(Ordering::SeqCst)
    });
    assert!(peak <= 2, "{peak} jobs ran at once with blocking_threads(2)");
}

/// A burst handed to a pool whose threads all sleep reaches every thread:
/// the submitter wakes one and each woken thread wakes the next. Each job
/// waits (up to 3 s, well inside the threads' 10 s idle timeout, after
/// which a sleeping thread would look at the queue anyway) until all of
/// them have started, which only happens if they run at once.
#[test]
fn a_burst_of_jobs_wakes_every_sleeping_thread() {
    const THREADS: usize = 4;
    let rt = Runtime::builder().blocking_threads(THREADS).build().unwrap();
    rt.block_on(async {
        for burst in 0..3 {
            let started = Arc::new(AtomicUsize::new(0));
            let jobs: Vec<_> = (0..THREADS)
                .map(|_| {
                    let started = started.clone();
                    spawn_blocking(move || {
                        started.fetch_add(1, Ordering::SeqCst);
                        let deadline = std::time::Instant::now() + Duration::from_secs(3);
                        while started.load(Ordering::SeqCst) < THREADS && std::time::Instant::now() < deadline {
                            std::thread::sleep(Duration::from_micros(100));
                        }
                        started.load(Ordering::SeqCst)
                    })
                })
                .collect();
            for seen in grove::joinall(jobs).await {
                assert_eq!(
                    seen.unwrap(),
                    THREADS,
                    "burst {burst}: the jobs did not all run at once"
                );
            }
            // Long past the spin after a job: every thread sleeps again.
            grove::sleep(Duration::from_millis(50)).await;
        }
    });
}

/// 10,000 jobs from 100 tasks: every result comes back exactly once.
#[test]
fn stress_ten_thousand_jobs_from_a_hundred_tasks() {
    let rt = Runtime::builder().blocking_threads(8).build().unwrap();
    let seen = rt.block_on(async {
        let tasks: Vec<_> = (0..100u32)
            .map(|t| {
                grove::spawn(async move {
                    let mut got = Vec::with_capacity(100);
                    for j in 0..100u32 {
                        got.push(spawn_blocking(move || t * 100 + j).await.unwrap());
                    }
                    got
                })
            })
            .collect();
        grove::joinall(tasks).await
    });
    let mut all: Vec<u32> = seen.into_iter().flat_map(Result::unwrap).collect();
    all.sort_unstable();
    assert_eq!(all, (0..10_000).collect::<Vec<_>>());
}

/// The handshake between a pool thread finishing a job and the loop
/// registering its waker, raced many times over: no wake-up may be lost
/// (a lost one hangs the test).
#[test]
fn stress_the_waker_handshake() {
    for round in 0..200 {
        let rt = Runtime::builder().blocking_threads(4).build().unwrap();
        let sum = rt.block_on(async move {
            let tasks: Vec<_> = (0..50u64).map(|n| spawn_blocking(move || n + round)).collect();
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, (0..50).sum::<u64>() + 50 * round);
    }
}

/// Dropping `map` mid-way kills the tasks of its jobs: those still queued
/// leave the queue and never run.
#[test]
fn dropping_map_takes_its_queued_jobs_back() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let (gate, blocker) = occupy(&pool).await;
        let counted = ran.clone();
        let mut map = Box::pin(pool.map(0..5, move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
        assert!((&mut map).now_or_never().is_none());
        drop_and_check_none_ran(&pool, 5, map, (gate, blocker), &ran).await;
    });
}

/// Dropping an `imap_unordered` stream does the same for its queued jobs.
#[test]
fn dropping_imap_unordered_takes_its_queued_jobs_back() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let (gate, blocker) = occupy(&pool).await;
        let counted = ran.clone();
        let mut results = pool.imap_unordered(0..5, move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        assert!(results.next().now_or_never().is_none());
        // Two jobs a thread are handed to the pool ahead of the consumer.
        drop_and_check_none_ran(&pool, 2, results, (gate, blocker), &ran).await;
    });
}

/// A `join` dropped mid-wait leaves the other joiners waiting, and they
/// still complete when the work does.
#[test]
fn a_dropped_join_leaves_the_other_joiners_intact() {
    grove::run(async {
        let pool = Arc::new(ThreadPool::new(1));
        let gate = Gate::default();
        let job = {
            let gate = gate.clone();
            pool.spawn(move || gate.wait()).await.unwrap()
        };
        let gave_up = grove::timeout(Duration::from_millis(10), pool.join()).await;
        assert!(gave_up.is_err(), "the job is still running");
        let joiner = grove::spawn({
            let pool = pool.clone();
            async move { pool.join().await }
        });
        grove::yield_now().await;
        gate.open();
        job.await.unwrap();
        grove::timeout(Duration::from_secs(10), joiner)
            .await
            .expect("the remaining joiner was never woken")
            .unwrap();
    });
}

#[test]
#[should_panic(expected = "NUL")]
fn a_thread_name_with_a_nul_byte_is_refused_by_the_builder() {
    ThreadPool::builder().thread_name("bad\0name");
}

/// Killing a `spawn_blocking` task before a thread takes its job takes the
/// job out of the queue: it never runs, and the pool goes on working.
#[test]
fn killing_a_queued_spawn_blocking_job_takes_it_back() {
    let rt = Runtime::builder().blocking_threads(1).build().unwrap();
    rt.block_on(async {
        let (gate, started) = (Gate::default(), Arc::new(AtomicBool::new(false)));
        let blocker = {
            let (gate, started) = (gate.clone(), started.clone());
            spawn_blocking(move || {
                started.store(true, Ordering::SeqCst);
                gate.wait();
            })
        };
        eventually("the thread runs the blocker", || started.load(Ordering::SeqCst)).await;
        let ran = Arc::new(AtomicBool::new(false));
        let queued = {
            let ran = ran.clone();
            spawn_blocking(move || ran.store(true, Ordering::SeqCst))
        };
        queued.kill();
        assert!(queued.await.unwrap_err().is_killed());
        gate.open();
        blocker.await.unwrap();
        assert_eq!(spawn_blocking(|| 7).await.unwrap(), 7);
        assert!(!ran.load(Ordering::SeqCst), "a killed, queued job ran");
    });
}

/// Kills raced against pool threads taking jobs, many times over: a job
/// runs at most once, every job whose task completes ran exactly once, and
/// the pool drains (a lost job or wake-up hangs `join`, which times out).
#[test]
fn stress_kills_racing_the_pool_threads() {
    for _ in 0..200 {
        grove::run(async {
            let pool = ThreadPool::new(2);
            let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..20).map(|_| AtomicUsize::new(0)).collect());
            let mut tasks = Vec::new();
            for i in 0..20 {
                let runs = runs.clone();
                tasks.push(
                    pool.spawn(move || runs[i].fetch_add(1, Ordering::SeqCst))
                        .await
                        .unwrap(),
                );
            }
            for task in tasks.iter().step_by(2) {
                task.kill();
            }
            for (i, result) in grove::joinall(tasks).await.into_iter().enumerate() {
                let ran = runs[i].load(Ordering::SeqCst);
                match result {
                    Ok(_) => assert_eq!(ran, 1, "job {i} completed"),
                    Err(e) => assert!(e.is_killed() && ran <= 1, "job {i}: {e}, ran {ran} times"),
                }
            }
            grove::timeout(Duration::from_secs(10), pool.join())
                .await
                .expect("the pool never drained");
            assert_eq!(pool.queued(), 0);
        });
    }
}

/// A name lookup dropped while it waits for a pool thread leaves nothing
/// behind: the pool still serves jobs and lookups afterwards.
#[test]
fn a_lookup_dropped_while_queued_leaves_the_pool_working() {
    let rt = Runtime::builder().blocking_threads(1).build().unwrap();
    rt.block_on(async {
        let (gate, started) = (Gate::default(), Arc::new(AtomicBool::new(false)));
        let blocker = {
            let (gate, started) = (gate.clone(), started.clone());
            spawn_blocking(move || {
                started.store(true, Ordering::SeqCst);
                gate.wait();
            })
        };
        eventually("the thread runs the blocker", || started.load(Ordering::SeqCst)).await;
        let gave_up = grove::timeout(Duration::from_millis(10), grove::net::lookup_host("localhost:80")).await;
        assert!(gave_up.is_err(), "the lookup cannot run while the only thread is held");
        gate.open();
        blocker.await.unwrap();
        let addrs = grove::net::lookup_host("localhost:80").await.unwrap();
        assert!(
            addrs.iter().all(|a| a.port() == 80 && a.ip().is_loopback()),
            "{addrs:?}"
        );
        assert_eq!(spawn_blocking(|| 7).await.unwrap(), 7);
    });
}
