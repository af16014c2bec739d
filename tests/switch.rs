//! greenlet-style switching.

mod util;

use grove::switch::{self, Dead};
use util::Log;

#[test]
fn the_greenlet_example_prints_12_56_34_78() {
    grove::run(async {
        let log = Log::default();
        let (to_test2, from_test1) = switch::pair::<()>();
        let l = log.clone();
        let test1 = grove::spawn(async move {
            l.push("12");
            to_test2.switch(()).await.unwrap();
            l.push("34");
            // test2 finishes instead of switching back.
            assert_eq!(to_test2.switch(()).await, Err(Dead::default()));
        });
        let l = log.clone();
        let test2 = grove::spawn(async move {
            from_test1.recv().await.unwrap();
            l.push("56");
            from_test1.switch(()).await.unwrap();
            l.push("78");
        });
        for result in grove::joinall([test1, test2]).await {
            result.unwrap();
        }
        assert_eq!(log.take(), ["12", "56", "34", "78"]);
    });
}

#[test]
fn values_travel_both_ways() {
    grove::run(async {
        let (a, b) = switch::pair();
        let doubler = grove::spawn(async move {
            let mut n = b.recv().await.unwrap();
            while let Ok(next) = b.switch(n * 2).await {
                n = next;
            }
        });
        assert_eq!(a.switch(1).await, Ok(2));
        assert_eq!(a.switch(5).await, Ok(10));
        drop(a);
        doubler.await.unwrap();
    });
}

#[test]
fn a_dead_other_end_fails_pending_and_later_switches() {
    grove::run(async {
        let (a, b) = switch::pair::<u8>();
        let waiting = grove::spawn(async move { b.recv().await });
        grove::yield_now().await;
        drop(a);
        assert_eq!(waiting.await.unwrap(), Err(Dead::default()));
        let (a, b) = switch::pair::<u8>();
        drop(b);
        assert_eq!(a.switch(1).await, Err(Dead::default()));
        assert_eq!(a.recv().await, Err(Dead::default()));
    });
}

#[test]
fn a_switch_dropped_before_the_other_end_took_the_value_never_happened() {
    grove::run(async {
        let (a, b) = switch::pair::<u32>();
        // Nobody receives: the switch waits with its value, then is dropped.
        let abandoned = grove::timeout(std::time::Duration::from_millis(5), a.switch(1)).await;
        assert!(abandoned.is_err());
        let other = grove::spawn(async move {
            let first = b.recv().await.unwrap();
            b.switch(first * 10).await.ok();
            first
        });
        assert_eq!(a.switch(2).await, Ok(20), "only the second value was ever switched");
        drop(a);
        assert_eq!(other.await.unwrap(), 2);
    });
}
