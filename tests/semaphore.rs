//! Semaphore and BoundedSemaphore: limits, fairness, cancellation.

mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use grove::sync::{BoundedSemaphore, Semaphore};
use util::Log;

#[test]
fn peak_concurrency_never_exceeds_the_permits() {
    grove::run(async {
        let sem = Semaphore::new(3);
        let (inside, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                grove::spawn(async move {
                    let _permit = sem.acquire().await;
                    inside.set(inside.get() + 1);
                    peak.set(peak.get().max(inside.get()));
                    grove::sleep(Duration::from_millis(i % 3)).await;
                    inside.set(inside.get() - 1);
                })
            })
            .collect();
        grove::joinall(tasks).await;
        assert_eq!(peak.get(), 3);
        assert_eq!(sem.available(), 3);
    });
}

#[test]
fn waiters_are_served_first_come_first_served() {
    grove::run(async {
        let (sem, log) = (Semaphore::new(1), Log::default());
        let held = sem.acquire().await;
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (sem, log) = (sem.clone(), log.clone());
                grove::spawn(async move {
                    let _permit = sem.acquire().await;
                    log.push(i.to_string());
                    grove::yield_now().await;
                })
            })
            .collect();
        grove::yield_now().await;
        drop(held);
        grove::joinall(waiters).await;
        assert_eq!(log.take(), ["0", "1", "2", "3"]);
    });
}

#[test]
fn try_acquire_does_not_jump_the_line() {
    grove::run(async {
        let sem = Semaphore::new(1);
        let held = sem.acquire().await;
        let s = sem.clone();
        let waiter = grove::spawn(async move { drop(s.acquire().await) });
        grove::yield_now().await;
        drop(held); // the permit goes straight to the waiter
        assert!(sem.try_acquire().is_none(), "the waiter was first");
        waiter.await.unwrap();
        assert!(sem.try_acquire().is_some());
    });
}

#[test]
fn release_and_forget_adjust_the_count() {
    let sem = Semaphore::new(1);
    sem.try_acquire().unwrap().forget();
    assert_eq!(sem.available(), 0);
    sem.release();
    sem.release(); // an unbounded semaphore may grow
    assert_eq!(sem.available(), 2);
}

/// `usize::MAX` permits is a common way to say "no limit": releasing more
/// must neither overflow (a panic in a debug build) nor wrap to none.
#[test]
fn an_unlimited_semaphore_stays_unlimited_when_released() {
    let sem = Semaphore::new(usize::MAX);
    sem.release();
    assert_eq!(sem.available(), usize::MAX);
    let permit = sem.try_acquire().expect("a permit of an unlimited semaphore");
    assert_eq!(sem.available(), usize::MAX - 1);
    permit.forget();
    sem.release();
    sem.release();
    assert_eq!(sem.available(), usize::MAX);
}

#[test]
fn over_releasing_a_bounded_semaphore_is_an_error() {
    let sem = BoundedSemaphore::new(2);
    assert!(sem.release().is_err());
    sem.try_acquire().unwrap().forget();
    assert_eq!(sem.release(), Ok(()));
    let err = sem.release().unwrap_err();
    assert_eq!(err.to_string(), "semaphore released too many times");
    assert_eq!(sem.available(), 2);
}

#[test]
fn a_cancelled_acquire_that_was_handed_a_permit_passes_it_on() {
    grove::run(async {
        let sem = Semaphore::new(1);
        let held = sem.acquire().await;
        let s = sem.clone();
        // First in line, but killed after the permit reached it.
        let first = grove::spawn(async move { s.acquire().await });
        let s = sem.clone();
        let second = grove::spawn(async move { drop(s.acquire().await) });
        grove::yield_now().await;
        drop(held); // handed to `first`, which has not run yet
        first.kill();
        assert!(first.await.unwrap_err().is_killed());
        grove::timeout(Duration::from_secs(30), second)
            .await
            .expect("the permit was lost")
            .unwrap();
        assert_eq!(sem.available(), 1);
    });
}

#[test]
fn an_acquire_dropped_by_timeout_leaves_the_count_alone() {
    grove::run(async {
        let sem = BoundedSemaphore::new(1);
        let held = sem.acquire().await;
        assert!(grove::timeout(Duration::from_millis(5), sem.acquire()).await.is_err());
        drop(held);
        assert_eq!(sem.available(), 1);
        assert!(sem.release().is_err(), "nothing leaked, nothing extra");
    });
}

#[test]
fn regression_forget_keeps_the_permit_taken_without_leaking_the_semaphore() {
    // Permit::forget used mem::forget, which also leaked the semaphore's
    // shared state: valgrind reported it on this test binary. The permit
    // must stay taken; run under valgrind, nothing may be lost.
    let sem = Semaphore::new(1);
    let weak_probe = sem.clone();
    sem.try_acquire().unwrap().forget();
    assert_eq!(weak_probe.available(), 0);
    drop(sem);
    weak_probe.release();
    assert_eq!(weak_probe.available(), 1);
}

#[test]
fn regression_over_release_is_caught_while_a_permit_is_in_flight() {
    grove::run(async {
        let sem = BoundedSemaphore::new(1);
        sem.acquire().await.forget();
        let s = sem.clone();
        let waiter = grove::spawn(async move { s.acquire().await.forget() });
        grove::yield_now().await; // the waiter is in line
        assert_eq!(sem.release(), Ok(())); // the permit goes to the waiter...
        assert!(sem.release().is_err(), "...so this one is an over-release");
        waiter.await.unwrap();
        assert_eq!(sem.available(), 0, "still one permit, held by the waiter");
    });
}

#[test]
fn regression_releasing_a_bounded_semaphore_by_hand_while_its_permit_is_held_is_an_over_release() {
    // Found by the semaphore_ops fuzz target: the manual release succeeded,
    // putting one permit more in circulation than the bound while the held
    // permit was alive, and the permit's own release was then swallowed.
    let sem = BoundedSemaphore::new(3);
    let held = sem.try_acquire().unwrap();
    assert!(sem.release().is_err(), "the held permit gives itself back");
    assert_eq!(sem.available(), 2);
    drop(held);
    assert_eq!(sem.available(), 3);
}
