//! A panicking task fails alone: its handle gets the panic, the runtime and
//! the other tasks go on.

mod util;

use std::time::Duration;

#[test]
fn a_panic_reaches_the_handle_and_others_go_on() {
    grove::run(async {
        let before = grove::spawn(async {
            grove::sleep(Duration::from_millis(5)).await;
            "before"
        });
        let bad = grove::spawn(async {
            grove::yield_now().await;
            panic!("task exploded");
        });
        let after = grove::spawn(async {
            grove::sleep(Duration::from_millis(10)).await;
            "after"
        });
        let err = bad.await.unwrap_err();
        assert!(err.is_panic() && !err.is_killed());
        assert!(err.to_string().contains("task exploded"), "{err}");
        assert_eq!(util::panic_message(&*err.into_panic()), "task exploded");
        assert_eq!(before.await.unwrap(), "before");
        assert_eq!(after.await.unwrap(), "after");
    });
}

#[test]
fn a_detached_panicking_task_does_not_stop_the_runtime() {
    let value = grove::run(async {
        drop(grove::spawn(async { panic!("nobody is listening") }));
        grove::yield_now().await;
        grove::yield_now().await;
        grove::spawn(async { 5 }).await.unwrap()
    });
    assert_eq!(value, 5);
}

/// Panics when dropped.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("destructor exploded");
    }
}

#[test]
fn a_panic_in_a_destructor_of_a_killed_task_is_contained() {
    grove::run(async {
        let task = grove::spawn(async {
            let _bomb = Bomb;
            std::future::pending::<()>().await;
        });
        grove::yield_now().await;
        task.kill();
        assert!(task.await.unwrap_err().is_killed());
        assert_eq!(grove::spawn(async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn into_panic_of_a_kill_panics_and_try_into_panic_does_not() {
    grove::run(async {
        let task = grove::spawn(std::future::pending::<()>());
        task.kill();
        let err = task.await.unwrap_err();
        let err = err.try_into_panic().unwrap_err();
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| err.into_panic())).is_err());
    });
}

/// A waker that panics when woken, as a buggy foreign executor's might.
struct PanicsOnWake;

impl std::task::Wake for PanicsOnWake {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("this waker panics");
    }
}

#[test]
fn a_waker_that_panics_does_not_lose_the_wakes_after_it() {
    use std::future::Future;
    use std::task::{Context, Waker};
    use std::time::Instant;
    grove::run(async {
        // Two timers for one deadline fire together, the panicking waker's
        // first, as it was armed first. Far enough out that the sleeper has
        // armed its timer before it passes, even on a loaded machine.
        let deadline = Instant::now() + Duration::from_millis(200);
        let mut doomed = Box::pin(grove::sleep_until(deadline));
        let bomb = Waker::from(std::sync::Arc::new(PanicsOnWake));
        assert!(doomed.as_mut().poll(&mut Context::from_waker(&bomb)).is_pending());
        let sleeper = grove::spawn(grove::sleep_until(deadline));
        grove::timeout(Duration::from_secs(10), sleeper)
            .await
            .expect("the wake after the panicking one was lost")
            .unwrap();
    });
}

#[test]
fn a_remote_task_whose_destructor_panics_still_reports_its_kill() {
    let rt = grove::Runtime::new().unwrap();
    let task = rt.handle().spawn(async {
        let _bomb = Bomb;
        std::future::pending::<()>().await;
    });
    rt.block_on(grove::sleep(Duration::from_millis(5)));
    task.kill();
    let joined = rt.block_on(grove::timeout(Duration::from_secs(10), task));
    let err = joined.expect("the remote handle never saw its task end").unwrap_err();
    assert!(err.is_killed(), "{err}");
}
