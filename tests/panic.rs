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

#[test]
fn a_panic_in_a_destructor_of_a_killed_task_is_contained() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("destructor exploded");
        }
    }
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
