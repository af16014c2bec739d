//! Joining: `joinall` order and `try_joinall` errors.

use std::time::Duration;

#[test]
fn joinall_returns_results_in_the_order_given() {
    grove::run(async {
        // Finish in the reverse of the given order.
        let tasks: Vec<_> = (0..5u64)
            .map(|i| {
                grove::spawn(async move {
                    grove::sleep(Duration::from_millis(5 * (5 - i))).await;
                    i
                })
            })
            .collect();
        let results: Vec<u64> = grove::joinall(tasks).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(results, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn joinall_reports_each_failure_in_place() {
    grove::run(async {
        let ok = grove::spawn(async { 1 });
        let panics = grove::spawn(async { panic!("no") });
        let killed = grove::spawn(std::future::pending::<i32>());
        killed.kill();
        let results = grove::joinall([ok, panics, killed]).await;
        assert_eq!(*results[0].as_ref().unwrap(), 1);
        assert!(results[1].as_ref().unwrap_err().is_panic());
        assert!(results[2].as_ref().unwrap_err().is_killed());
    });
}

#[test]
fn joinall_of_nothing_is_empty() {
    let results = grove::run(grove::joinall(Vec::<grove::JoinHandle<()>>::new()));
    assert!(results.is_empty());
}

#[test]
fn try_joinall_gives_values_in_order() {
    grove::run(async {
        let tasks: Vec<_> = (0..4u64)
            .map(|i| {
                grove::spawn(async move {
                    grove::sleep(Duration::from_millis(3 * (4 - i))).await;
                    i * 10
                })
            })
            .collect();
        assert_eq!(grove::try_joinall(tasks).await.unwrap(), [0, 10, 20, 30]);
    });
}

#[test]
fn try_joinall_stops_at_the_first_error_without_waiting_for_the_rest() {
    grove::run(async {
        let slow = grove::spawn(grove::sleep(Duration::from_secs(3600)));
        let slow_id = slow.id();
        let failing = grove::spawn(async { panic!("first error") });
        let failing_id = failing.id();
        let err = grove::timeout(Duration::from_secs(30), grove::try_joinall([slow, failing]))
            .await
            .expect("try_joinall must not wait for the slow task")
            .unwrap_err();
        assert_eq!(err.id(), failing_id);
        assert_ne!(err.id(), slow_id);
        assert!(err.to_string().contains("first error"));
    });
}

#[test]
fn a_timeout_bounds_joinall() {
    grove::run(async {
        let never = grove::spawn(std::future::pending::<()>());
        let result = grove::timeout(Duration::from_millis(10), grove::joinall([never])).await;
        assert!(result.is_err());
    });
}
