//! Python's pool methods on a ThreadPool: ordered imap, terminate, resize.
#![cfg(feature = "blocking")]

mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use grove::blocking::{SpawnError, ThreadPool};
use util::gate::{Gate, drop_and_check_none_ran, eventually, occupy};

#[test]
fn imap_yields_in_item_order_when_later_items_finish_first() {
    grove::run(async {
        let pool = ThreadPool::new(4);
        let finished = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = finished.clone();
        let results: Vec<u64> = pool
            .imap(0..12u64, move |n| {
                // Within each window of 4, the last item finishes first.
                std::thread::sleep(Duration::from_millis(4 * (4 - n % 4)));
                log.lock().unwrap().push(n);
                n * 3
            })
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(results, (0..12u64).map(|n| n * 3).collect::<Vec<_>>());
        let finished = finished.lock().unwrap();
        assert_eq!(finished.len(), 12);
        assert_ne!(
            *finished,
            (0..12).collect::<Vec<_>>(),
            "the jobs did finish out of order"
        );
    });
}

#[test]
fn imap_keeps_at_most_twice_max_threads_jobs_out() {
    grove::run(async {
        let pool = ThreadPool::new(2);
        let gate = Gate::default();
        let taken = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let items = {
            let taken = taken.clone();
            (0..100usize).inspect(move |_| {
                taken.fetch_add(1, Ordering::SeqCst);
            })
        };
        let mut results = {
            let (gate, done) = (gate.clone(), done.clone());
            pool.imap(items, move |n| {
                if n == 0 {
                    gate.wait();
                }
                done.fetch_add(1, Ordering::SeqCst);
                n
            })
        };
        // The first job holds its thread; the next three finish on the
        // other, and wait in their handles behind it.
        let first = grove::timeout(Duration::from_millis(100), results.next()).await;
        assert!(first.is_err(), "the first result came before its job finished");
        eventually("three jobs finished", || done.load(Ordering::SeqCst) == 3).await;
        let _ = grove::timeout(Duration::from_millis(50), results.next()).await;
        assert_eq!(taken.load(Ordering::SeqCst), 4, "items taken beyond the window");

        gate.open();
        let mut order = Vec::new();
        while let Some(n) = results.next().await {
            order.push(n.unwrap());
        }
        assert_eq!(order, (0..100).collect::<Vec<_>>());
        assert_eq!(taken.load(Ordering::SeqCst), 100);
    });
}

#[test]
fn dropping_imap_takes_its_queued_jobs_back() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let (gate, blocker) = occupy(&pool).await;
        let ran = Arc::new(AtomicUsize::new(0));
        let mut results = {
            let ran = ran.clone();
            pool.imap(0..10, move |n| {
                ran.fetch_add(1, Ordering::SeqCst);
                n
            })
        };
        assert!(grove::timeout(Duration::from_millis(20), results.next()).await.is_err());
        // A window of twice one thread.
        drop_and_check_none_ran(&pool, 2, results, (gate, blocker), &ran).await;
    });
}

#[test]
fn terminate_kills_queued_jobs_and_drops_running_results() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let (gate, blocker) = occupy(&pool).await;
        let ran = Arc::new(AtomicUsize::new(0));
        let mut queued = Vec::new();
        for n in 0..5 {
            let ran = ran.clone();
            queued.push(
                pool.spawn(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    n
                })
                .await
                .unwrap(),
            );
        }
        assert_eq!(pool.queued(), 5);

        pool.terminate();
        assert_eq!(pool.queued(), 0);
        for task in queued {
            assert!(task.await.unwrap_err().is_killed());
        }
        assert!(matches!(pool.spawn(|| 0).await, Err(SpawnError::Closed)));

        // The running job finishes, and its task ends killed, not with ().
        gate.open();
        assert!(blocker.await.unwrap_err().is_killed());
        pool.join().await;
        assert_eq!((pool.busy(), ran.load(Ordering::SeqCst)), (0, 0));
    });
}

#[test]
fn terminate_wakes_spawners_waiting_for_room() {
    grove::run(async {
        let pool = ThreadPool::builder().max_threads(1).queue_limit(1).build();
        let pool = std::rc::Rc::new(pool);
        let (gate, _blocker) = occupy(&pool).await;
        let _queued = pool.spawn(|| ()).await.unwrap();
        let waiting = grove::spawn({
            let pool = pool.clone();
            async move { pool.spawn(|| ()).await.map(drop) }
        });
        grove::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished(), "the spawner waits for room");
        pool.terminate();
        assert!(matches!(waiting.await.unwrap(), Err(SpawnError::Closed)));
        gate.open();
        pool.join().await;
    });
}

/// A queued job whose closure panics when dropped, cancelled by a kill: a
/// spawner on another thread, waiting for the room it leaves, is still
/// woken.
#[test]
fn a_cancelled_job_whose_closure_panics_on_drop_still_makes_room() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("a job's capture exploded");
        }
    }
    grove::run(async {
        let pool = Arc::new(ThreadPool::builder().max_threads(1).queue_limit(1).build());
        let (gate, _blocker) = occupy(&pool).await;
        let bomb = Bomb;
        let queued = pool.spawn(move || std::mem::forget(bomb)).await.unwrap();
        let spawning = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let other = std::thread::spawn({
            let (pool, spawning) = (pool.clone(), spawning.clone());
            move || {
                grove::run(async move {
                    spawning.store(true, Ordering::SeqCst);
                    pool.spawn(|| ()).await.map(drop)
                })
            }
        });
        eventually("the other thread spawns", || spawning.load(Ordering::SeqCst)).await;
        grove::sleep(Duration::from_millis(20)).await;
        assert!(!other.is_finished(), "the spawner waits for room");
        queued.kill();
        eventually("the spawner waiting for room is woken", || other.is_finished()).await;
        other.join().unwrap().unwrap();
        gate.open();
        pool.join().await;
    });
}

#[test]
fn resize_up_starts_threads_for_queued_jobs() {
    grove::run(async {
        let pool = ThreadPool::new(1);
        let (gate, blocker) = occupy(&pool).await;
        let mut held = Vec::new();
        for _ in 0..2 {
            let gate = gate.clone();
            held.push(pool.spawn(move || gate.wait()).await.unwrap());
        }
        assert_eq!((pool.busy(), pool.queued()), (1, 2));
        pool.resize(3).unwrap();
        assert_eq!(pool.max_threads(), 3);
        eventually("the queued jobs run", || pool.busy() == 3).await;
        gate.open();
        blocker.await.unwrap();
        grove::try_joinall(held).await.unwrap();
    });
}

#[test]
fn resize_down_lets_extra_threads_finish_then_exit() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    grove::run(async {
        let pool = ThreadPool::new(4);
        let gate = Gate::default();
        let mut held = Vec::new();
        for _ in 0..4 {
            let gate = gate.clone();
            held.push(pool.spawn(move || gate.wait()).await.unwrap());
        }
        eventually("four threads are busy", || pool.busy() == 4).await;
        pool.resize(1).unwrap();
        assert_eq!(pool.threads(), 4, "running jobs are not interrupted");
        gate.open();
        grove::try_joinall(held).await.unwrap();
        eventually("the extra threads exit", || pool.threads() == 1).await;

        let (running, peak) = (running.clone(), peak.clone());
        pool.map(0..20, move |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(1));
            running.fetch_sub(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
        assert_eq!(pool.threads(), 1);
    });
    assert_eq!(peak.load(Ordering::SeqCst), 1);
}

#[test]
#[should_panic(expected = "at least one thread")]
fn resize_to_zero_is_refused() {
    let _ = ThreadPool::new(1).resize(0);
}

#[test]
fn stress_resizing_while_jobs_run() {
    grove::run(async {
        let pool = std::rc::Rc::new(ThreadPool::new(2));
        let resizer = grove::spawn({
            let pool = pool.clone();
            async move {
                for round in 0..200usize {
                    pool.resize(1 + round % 5).unwrap();
                    grove::sleep(Duration::from_micros(200)).await;
                }
            }
        });
        let sum: usize = pool.map(0..3000usize, |n| n).await.unwrap().into_iter().sum();
        assert_eq!(sum, (0..3000).sum());
        resizer.await.unwrap();
        pool.join().await;
        assert!(pool.threads() <= 5);
    });
}
