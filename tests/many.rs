//! Waiting on many tasks: `as_completed`, `wait` and `killall` (gevent's
//! `iwait`, `wait` and `killall`), with a property test that drives them
//! under random finish orders and kills.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use grove::sync::Event;
use grove::task::{as_completed, killall, wait};
use grove::{JoinHandle, Runtime};
use proptest::prelude::*;

/// Tasks that each wait for their own event, then return their number.
fn gated(n: usize) -> (Vec<Event>, Vec<JoinHandle<usize>>) {
    let gates: Vec<Event> = (0..n).map(|_| Event::new()).collect();
    let tasks = gates
        .iter()
        .enumerate()
        .map(|(i, gate)| {
            let gate = gate.clone();
            grove::spawn(async move {
                gate.wait().await;
                i
            })
        })
        .collect();
    (gates, tasks)
}

#[test]
fn as_completed_yields_in_finish_order_with_indices() {
    grove::run(async {
        let (gates, tasks) = gated(4);
        let mut done = as_completed(tasks);
        for i in [2, 0, 3, 1] {
            gates[i].set();
            let (index, result) = done.next().await.unwrap();
            assert_eq!((index, result.unwrap()), (i, i));
        }
        assert!(done.next().await.is_none());
    });
}

#[test]
fn dropping_as_completed_detaches_the_rest() {
    grove::run(async {
        let (first, second) = (Event::new(), Event::new());
        let ended = Rc::new(RefCell::new(Vec::new()));
        let tasks = [&first, &second].map(|gate| {
            let (gate, ended) = (gate.clone(), ended.clone());
            grove::spawn(async move {
                gate.wait().await;
                let count = ended.borrow().len();
                ended.borrow_mut().push(count);
            })
        });
        let mut done = as_completed(tasks);
        first.set();
        assert_eq!(done.next().await.unwrap().0, 0);
        drop(done);
        // The other task was not killed with the stream: it still runs.
        second.set();
        grove::yield_now().await;
        assert_eq!(ended.borrow().len(), 2, "the detached task ran to its end");
    });
}

#[test]
fn wait_returns_the_first_to_finish_and_leaves_the_rest() {
    grove::run(async {
        let (gates, mut tasks) = gated(4);
        let ids: Vec<_> = tasks.iter().map(JoinHandle::id).collect();
        gates[3].set();
        gates[1].set();
        let got = wait(&mut tasks, 2).await;
        let got: BTreeMap<_, _> = got.into_iter().map(|(id, r)| (id, r.unwrap())).collect();
        assert_eq!(got, BTreeMap::from([(ids[1], 1), (ids[3], 3)]));
        let left: Vec<_> = tasks.iter().map(JoinHandle::id).collect();
        assert_eq!(left, [ids[0], ids[2]], "the running ones stay, in order");
        assert!(wait(&mut tasks, 0).await.is_empty());
        gates[0].set();
        gates[2].set();
        assert_eq!(
            wait(&mut tasks, 10).await.len(),
            2,
            "a count above the number waits for all"
        );
        assert!(tasks.is_empty());
    });
}

#[test]
fn a_wait_dropped_by_a_timeout_loses_no_result() {
    grove::run(async {
        let (gates, mut tasks) = gated(3);
        gates[0].set();
        grove::yield_now().await; // task 0 has finished
        let waited = grove::timeout(Duration::from_millis(20), wait(&mut tasks, 2)).await;
        assert!(waited.is_err(), "only one of two finished");
        assert_eq!(tasks.len(), 3, "every handle is still there");
        let first = tasks.remove(0);
        assert_eq!(first.await.unwrap(), 0, "with its result in it");
        gates[1].set();
        gates[2].set();
        assert_eq!(wait(&mut tasks, 2).await.len(), 2);
    });
}

#[test]
fn killall_kills_and_waits_for_every_task() {
    grove::run(async {
        let stopped = Rc::new(RefCell::new(0));
        struct Guard(Rc<RefCell<usize>>);
        impl Drop for Guard {
            fn drop(&mut self) {
                *self.0.borrow_mut() += 1;
            }
        }
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let guard = Guard(stopped.clone());
                grove::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                })
            })
            .collect();
        grove::yield_now().await;
        killall(tasks).await;
        assert_eq!(*stopped.borrow(), 5);
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Every task comes out of `as_completed` exactly once, with its own
    /// index: its value if it finished, a kill if it was killed; and tasks
    /// that finish one after another come out in that order.
    #[test]
    fn as_completed_yields_each_task_once_in_finish_order(
        n in 1usize..8,
        kills in prop::collection::vec(any::<bool>(), 8),
        finish_order in Just((0..8).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let rt = Runtime::new().unwrap();
        let (gates, tasks) = gated(n);
        for (task, &kill) in tasks.iter().zip(&kills) {
            if kill {
                task.kill();
            }
        }
        let out = Rc::new(RefCell::new(Vec::new()));
        let o = out.clone();
        let consumer = grove::spawn(async move {
            let mut done = as_completed(tasks);
            while let Some(item) = done.next().await {
                o.borrow_mut().push(item);
            }
        });
        rt.run_until_stalled();
        let order: Vec<usize> = finish_order.into_iter().filter(|&i| i < n).collect();
        for &i in &order {
            gates[i].set();
            rt.run_until_stalled();
        }
        rt.block_on(consumer).unwrap();
        let out = out.take();
        let indices: BTreeSet<usize> = out.iter().map(|(i, _)| *i).collect();
        prop_assert_eq!(indices.len(), n, "a task came out twice or never");
        prop_assert_eq!(out.len(), n);
        let mut finished = Vec::new();
        for (index, result) in out {
            match result {
                Ok(value) => {
                    prop_assert_eq!(value, index);
                    prop_assert!(!kills[index]);
                    finished.push(index);
                }
                Err(e) => prop_assert!(e.is_killed() && kills[index]),
            }
        }
        let expected: Vec<usize> = order.into_iter().filter(|&i| !kills[i]).collect();
        prop_assert_eq!(finished, expected, "not in finish order");
    }

    /// `wait` takes exactly `count` finished tasks out, leaves the others,
    /// and over repeated waits every task is returned exactly once.
    #[test]
    fn repeated_waits_return_each_task_once(n in 1usize..8, counts in prop::collection::vec(0usize..4, 1..6), kill_first in any::<bool>()) {
        let rt = Runtime::new().unwrap();
        let (gates, mut tasks) = gated(n);
        if kill_first {
            tasks[0].kill();
        }
        for gate in &gates {
            gate.set();
        }
        let mut seen = BTreeSet::new();
        for count in counts {
            let before = tasks.len();
            let got = rt.block_on(wait(&mut tasks, count));
            prop_assert_eq!(got.len(), count.min(before));
            prop_assert_eq!(tasks.len(), before - got.len());
            for (id, _) in got {
                prop_assert!(seen.insert(id), "a task was returned twice");
            }
        }
        let rest = rt.block_on(wait(&mut tasks, usize::MAX));
        for (id, _) in rest {
            prop_assert!(seen.insert(id));
        }
        prop_assert_eq!(seen.len(), n);
    }
}
