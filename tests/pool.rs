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

/// An endless stream, taken from slowly: finished results must not pile up
/// ahead of the consumer.
#[test]
fn imap_unordered_starts_no_more_than_the_pool_s_size_ahead_of_its_consumer() {
    use futures::StreamExt;
    grove::run(async {
        let pool = Pool::new(4);
        let started = Rc::new(Cell::new(0u64));
        let mut results = pool.imap_unordered(0u64.., |n| {
            started.set(started.get() + 1);
            async move { n }
        });
        for taken in 1..=20u64 {
            results.next().await.unwrap().unwrap();
            grove::sleep(Duration::from_millis(1)).await;
            assert!(
                started.get() <= taken + 4,
                "{} started for {taken} taken",
                started.get()
            );
        }
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

#[test]
fn join_next_gives_owned_results_in_finish_order() {
    grove::run(async {
        let group = Group::with_results();
        let gates: Vec<_> = (0..4).map(|_| grove::sync::Event::new()).collect();
        let mut ids = Vec::new();
        for (i, gate) in gates.iter().enumerate() {
            let gate = gate.clone();
            let task = grove::spawn(async move {
                gate.wait().await;
                i
            });
            ids.push(task.id());
            group.add(task);
        }
        assert_eq!(group.len(), 4);
        let mut order = Vec::new();
        for i in [3, 1, 0, 2] {
            gates[i].set();
            let (id, result) = group.join_next().await.unwrap();
            assert_eq!(id, ids[i]);
            order.push(result.unwrap());
        }
        assert_eq!(order, [3, 1, 0, 2]);
        assert!(group.join_next().await.is_none(), "nothing owned is left");
        assert!(group.is_empty());
    });
}

#[test]
fn a_result_whose_join_next_was_dropped_waits_for_the_next_one() {
    grove::run(async {
        let group = Group::with_results();
        let gate = grove::sync::Event::new();
        let g = gate.clone();
        group.add(grove::spawn(async move { g.wait().await }));
        assert!(
            grove::timeout(Duration::from_millis(5), group.join_next())
                .await
                .is_err()
        );
        gate.set();
        assert!(group.join_next().await.unwrap().1.is_ok());
    });
}

#[test]
fn discard_and_killone_act_on_one_member() {
    grove::run(async {
        let group = Group::with_results();
        let a = grove::spawn(std::future::pending::<u8>());
        let b = grove::spawn(std::future::pending::<u8>());
        let (a_id, b_id) = (a.id(), b.id());
        group.add(a);
        group.add(b);
        assert!(group.killone(a_id));
        let (id, result) = group.join_next().await.unwrap();
        assert_eq!(id, a_id);
        assert!(result.unwrap_err().is_killed());
        assert!(group.discard(b_id));
        assert!(!group.discard(b_id), "not a member any more");
        assert!(!group.killone(b_id));
        assert!(group.is_empty());
        assert!(
            group.join_next().await.is_none(),
            "a discarded task's result is not the group's"
        );
    });
}

/// A discarded task's place is free for the next member: the discarded
/// task, ending later, must not take that member out with it.
#[test]
fn a_discarded_task_ending_leaves_the_member_that_took_its_place() {
    grove::run(async {
        let group = Group::new();
        let (go, went) = futures::channel::oneshot::channel::<()>();
        let discarded = group.spawn(async move {
            let _ = went.await;
        });
        assert!(group.discard(discarded.id()));
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        let member = group.spawn(async move {
            let _ = stopped.await;
        });
        go.send(()).unwrap();
        discarded.await.unwrap();
        assert_eq!(
            group.len(),
            1,
            "the member that took the discarded task's place left with it"
        );
        assert!(
            grove::timeout(Duration::from_millis(20), group.join()).await.is_err(),
            "join returned while a member runs"
        );
        group.kill();
        assert!(member.await.unwrap_err().is_killed());
        drop(stop);
    });
}

#[test]
fn dropping_a_scoped_group_kills_its_tasks_and_a_plain_one_detaches_them() {
    grove::run(async {
        let scoped = Group::scoped();
        let killed = scoped.spawn(std::future::pending::<()>());
        drop(scoped.clone());
        assert!(!killed.is_finished(), "a clone's drop is not the last");
        drop(scoped);
        assert!(killed.await.unwrap_err().is_killed());
        let plain = Group::new();
        let detached = plain.spawn(async {
            grove::yield_now().await;
            "ran on"
        });
        drop(plain);
        assert_eq!(detached.await.unwrap(), "ran on");
    });
}

/// Counts live tasks of a tree: each task holds a token that counts itself.
struct Alive(std::rc::Rc<std::cell::Cell<i32>>);

impl Alive {
    fn new(count: &std::rc::Rc<std::cell::Cell<i32>>) -> Alive {
        count.set(count.get() + 1);
        Alive(count.clone())
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[test]
fn killing_the_root_of_a_three_level_tree_of_scoped_groups_stops_every_task() {
    grove::run(async {
        let alive = std::rc::Rc::new(std::cell::Cell::new(0));
        let count = alive.clone();
        let root = grove::spawn(async move {
            let _me = Alive::new(&count);
            let children = Group::scoped();
            for _ in 0..3 {
                let count = count.clone();
                children.spawn(async move {
                    let _me = Alive::new(&count);
                    let grandchildren = Group::scoped();
                    for _ in 0..3 {
                        let count = count.clone();
                        grandchildren.spawn(async move {
                            let _me = Alive::new(&count);
                            std::future::pending::<()>().await
                        });
                    }
                    std::future::pending::<()>().await
                });
            }
            std::future::pending::<()>().await
        });
        for _ in 0..3 {
            grove::yield_now().await;
        }
        assert_eq!(alive.get(), 1 + 3 + 9, "the whole tree runs");
        root.kill();
        assert!(root.await.unwrap_err().is_killed());
        // Each level's kill reaches the next when its tasks are dropped.
        for _ in 0..5 {
            grove::yield_now().await;
        }
        assert_eq!(alive.get(), 0, "a task of the tree outlived the kill");
    });
}

#[test]
fn imap_yields_in_input_order_and_never_holds_more_than_the_pool_size() {
    use futures::StreamExt;
    grove::run(async {
        let pool = Pool::new(3);
        let started = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let s = started.clone();
        let mut results = pool.imap(0..20u64, move |i| {
            s.set(s.get() + 1);
            async move {
                // Later items finish first within each window.
                grove::sleep(Duration::from_millis(20 - i)).await;
                i
            }
        });
        let mut yielded = 0;
        while let Some(result) = results.next().await {
            assert_eq!(result.unwrap(), yielded as u64, "out of input order");
            yielded += 1;
            let held = started.get() - yielded;
            assert!(held <= 3, "{held} results started and not yet yielded");
        }
        assert_eq!(yielded, 20);
    });
}

#[test]
fn apply_wait_available_and_is_full() {
    grove::run(async {
        let pool = Pool::new(1);
        assert_eq!(pool.apply(async { 5 }).await.unwrap(), 5);
        let gate = grove::sync::Event::new();
        let g = gate.clone();
        let busy = pool.spawn(async move { g.wait().await }).await;
        assert!(pool.is_full());
        let p = pool.clone();
        let waiter = grove::spawn(async move { p.wait_available().await });
        grove::yield_now().await;
        assert!(!waiter.is_finished(), "no slot is free");
        gate.set();
        waiter.await.unwrap();
        busy.await.unwrap();
        assert!(!pool.is_full());
        assert!(pool.apply(async { panic!("inside") }).await.unwrap_err().is_panic());
    });
}
