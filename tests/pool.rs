//! Group and Pool.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use grove::pool::{Group, Pool};

#[test]
fn a_group_joins_and_counts_its_tasks() {
    grove::run(async {
        let group = Group::new();
        let done = Rc::new(Cell::new(0));
        for ms in [5, 1, 3] {
            let done = done.clone();
            group.spawn(async move {
                grove::sleep(Duration::from_millis(ms)).await;
                done.set(done.get() + 1);
            });
        }
        assert_eq!(group.len(), 3);
        group.join().await;
        assert_eq!(done.get(), 3);
        assert!(group.is_empty());
    });
}

#[test]
fn killing_a_group_kills_every_member() {
    grove::run(async {
        let group = Group::new();
        let tasks: Vec<_> = (0..3).map(|_| group.spawn(std::future::pending::<()>())).collect();
        grove::yield_now().await;
        group.kill();
        group.join().await;
        for result in grove::joinall(tasks).await {
            assert!(result.unwrap_err().is_killed());
        }
    });
}

#[test]
fn a_pool_of_three_never_runs_more_than_three() {
    grove::run(async {
        let pool = Pool::new(3);
        let (inside, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        for i in 0..12u64 {
            let (inside, peak) = (inside.clone(), peak.clone());
            pool.spawn(async move {
                inside.set(inside.get() + 1);
                peak.set(peak.get().max(inside.get()));
                grove::sleep(Duration::from_millis(i % 4)).await;
                inside.set(inside.get() - 1);
            })
            .await;
            assert!(pool.free_count() <= 3);
        }
        pool.join().await;
        assert_eq!(peak.get(), 3);
        assert_eq!(pool.free_count(), 3);
    });
}

#[test]
fn spawn_waits_for_a_free_slot() {
    grove::run(async {
        let pool = Pool::new(1);
        let blocker = pool.spawn(std::future::pending::<()>()).await;
        assert!(
            grove::timeout(Duration::from_millis(10), pool.spawn(async {}))
                .await
                .is_err()
        );
        blocker.kill();
        let _ = blocker.await;
        let next = grove::timeout(Duration::from_secs(30), pool.spawn(async { 1 }))
            .await
            .unwrap();
        assert_eq!(next.await.unwrap(), 1);
    });
}

#[test]
fn map_keeps_input_order_with_bounded_concurrency() {
    grove::run(async {
        let pool = Pool::new(2);
        let results = pool
            .map([30u64, 10, 20, 0], |ms| async move {
                grove::sleep(Duration::from_millis(ms)).await;
                ms
            })
            .await;
        let values: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, [30, 10, 20, 0]);
    });
}

#[test]
fn imap_unordered_yields_each_result_once() {
    grove::run(async {
        let pool = Pool::new(3);
        let (inside, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let mut results: Vec<u64> = pool
            .imap_unordered(0..20u64, |n| {
                let (inside, peak) = (inside.clone(), peak.clone());
                async move {
                    inside.set(inside.get() + 1);
                    peak.set(peak.get().max(inside.get()));
                    grove::sleep(Duration::from_millis(n % 5)).await;
                    inside.set(inside.get() - 1);
                    n
                }
            })
            .map(Result::unwrap)
            .collect()
            .await;
        results.sort_unstable();
        assert_eq!(results, (0..20).collect::<Vec<_>>());
        assert!(peak.get() <= 3);
    });
}

#[test]
fn a_killed_pool_task_frees_its_slot() {
    grove::run(async {
        let pool = Pool::new(1);
        let task = pool.spawn(std::future::pending::<()>()).await;
        assert_eq!(pool.free_count(), 0);
        pool.kill();
        assert!(task.await.unwrap_err().is_killed());
        assert_eq!(pool.free_count(), 1);
    });
}

#[test]
fn a_group_join_dropped_while_waiting_changes_nothing() {
    grove::run(async {
        let group = Group::new();
        group.spawn(grove::sleep(Duration::from_millis(20)));
        assert!(grove::timeout(Duration::from_millis(1), group.join()).await.is_err());
        assert_eq!(group.len(), 1);
        grove::timeout(Duration::from_secs(30), group.join())
            .await
            .expect("join after the cancelled one");
        assert!(group.is_empty());
    });
}
