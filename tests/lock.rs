//! Lock, RLock and Condition.

mod util;

use std::time::Duration;

use grove::sync::{Condition, Lock, RLock};
use util::Log;

#[test]
fn a_lock_excludes_and_serves_in_order() {
    grove::run(async {
        let (lock, log) = (Lock::new(Vec::new()), Log::default());
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let (lock, log) = (lock.clone(), log.clone());
                grove::spawn(async move {
                    let mut guard = lock.lock().await;
                    log.push(format!("in {i}"));
                    grove::yield_now().await;
                    guard.push(i);
                    log.push(format!("out {i}"));
                })
            })
            .collect();
        grove::joinall(tasks).await;
        assert_eq!(*lock.lock().await, [0, 1, 2, 3]);
        let events = log.take();
        for pair in events.chunks(2) {
            assert_eq!(pair[0].replace("in", ""), pair[1].replace("out", ""), "{events:?}");
        }
    });
}

#[test]
fn try_lock_and_is_locked() {
    let lock = Lock::new(5);
    let guard = lock.try_lock().unwrap();
    assert!(lock.is_locked());
    assert!(lock.try_lock().is_none());
    drop(guard);
    assert!(!lock.is_locked());
}

#[test]
fn a_cancelled_lock_wait_passes_the_lock_on() {
    grove::run(async {
        let lock = Lock::new(0);
        let held = lock.lock().await;
        let l = lock.clone();
        let first = grove::spawn(async move { *l.lock().await += 1 });
        let l = lock.clone();
        let second = grove::spawn(async move { *l.lock().await += 10 });
        grove::yield_now().await;
        drop(held); // handed to `first`
        first.kill();
        assert!(first.await.unwrap_err().is_killed());
        grove::timeout(Duration::from_secs(30), second)
            .await
            .expect("the lock was lost")
            .unwrap();
        assert_eq!(*lock.lock().await, 10);
        assert!(!lock.is_locked(), "nobody holds the lock at the end");
    });
}

#[test]
fn an_rlock_is_reentrant_for_its_owner_only() {
    grove::run(async {
        let lock = RLock::new();
        lock.acquire().await;
        lock.acquire().await;
        let l = lock.clone();
        let other = grove::spawn(async move {
            assert!(l.release().is_err(), "not the owner");
            assert!(!l.try_acquire());
            l.acquire().await;
            l.is_owned()
        });
        grove::yield_now().await;
        lock.release().unwrap();
        grove::yield_now().await;
        assert!(!other.is_finished(), "still held once");
        lock.release().unwrap();
        assert!(lock.release().is_err(), "released as many times as acquired");
        assert!(other.await.unwrap());
    });
}

#[test]
fn condition_notify_wakes_n_in_order_and_notify_all_the_rest() {
    grove::run(async {
        let (lock, cond, log) = (Lock::new(()), Condition::new(), Log::default());
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (lock, cond, log) = (lock.clone(), cond.clone(), log.clone());
                grove::spawn(async move {
                    let guard = lock.lock().await;
                    let _guard = cond.wait(guard).await;
                    log.push(i.to_string());
                })
            })
            .collect();
        for _ in 0..4 {
            grove::yield_now().await;
        }
        cond.notify(2);
        for _ in 0..4 {
            grove::yield_now().await;
        }
        assert_eq!(log.take(), ["0", "1"]);
        cond.notify_all();
        grove::joinall(waiters).await;
        assert_eq!(log.take(), ["2", "3"]);
    });
}

/// Two tasks waiting on `cond`, in line in that order.
async fn two_waiters(lock: &Lock, cond: &Condition) -> (grove::JoinHandle<()>, grove::JoinHandle<()>) {
    let spawn_waiter = |lock: Lock, cond: Condition| {
        grove::spawn(async move {
            let guard = lock.lock().await;
            drop(cond.wait(guard).await);
        })
    };
    let first = spawn_waiter(lock.clone(), cond.clone());
    let second = spawn_waiter(lock.clone(), cond.clone());
    for _ in 0..3 {
        grove::yield_now().await;
    }
    (first, second)
}

#[test]
fn a_cancelled_condition_wait_passes_its_notification_on() {
    grove::run(async {
        let (lock, cond) = (Lock::new(()), Condition::new());
        let (first, second) = two_waiters(&lock, &cond).await;
        cond.notify(1); // reaches `first`...
        first.kill(); // ...which dies before it can act on it
        assert!(first.await.unwrap_err().is_killed());
        grove::timeout(Duration::from_secs(30), second)
            .await
            .expect("the notification was lost")
            .unwrap();
    });
}

#[test]
fn regression_a_wait_dropped_while_relocking_passes_its_notification_on() {
    grove::run(async {
        let (lock, cond) = (Lock::new(()), Condition::new());
        let (first, second) = two_waiters(&lock, &cond).await;
        // Notify while holding the lock: `first` is notified, then waits to
        // take the lock back, and dies there.
        let held = lock.lock().await;
        cond.notify(1);
        for _ in 0..3 {
            grove::yield_now().await;
        }
        first.kill();
        assert!(first.await.unwrap_err().is_killed());
        drop(held);
        grove::timeout(Duration::from_secs(30), second)
            .await
            .expect("the notification was lost")
            .unwrap();
    });
}
