//! Event and AsyncResult: waking in order, one-shot results, cancellation.

mod util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use grove::sync::{AsyncResult, Event};
use util::Log;

#[test]
fn set_wakes_every_waiter_in_the_order_they_came() {
    grove::run(async {
        let (event, log) = (Event::new(), Log::default());
        let waiters: Vec<_> = (0..5)
            .map(|i| {
                let (event, log) = (event.clone(), log.clone());
                grove::spawn(async move {
                    event.wait().await;
                    log.push(i.to_string());
                })
            })
            .collect();
        grove::yield_now().await;
        assert!(log.take().is_empty(), "nobody passes before set");
        event.set();
        grove::joinall(waiters).await;
        assert_eq!(log.take(), ["0", "1", "2", "3", "4"]);
    });
}

#[test]
fn a_set_event_lets_waits_through_until_cleared() {
    grove::run(async {
        let event = Event::new();
        event.set();
        event.wait().await;
        event.wait().await;
        event.clear();
        assert!(grove::timeout(Duration::from_millis(10), event.wait()).await.is_err());
    });
}

#[test]
fn a_waiter_woken_by_set_returns_even_if_cleared_before_it_runs() {
    grove::run(async {
        let event = Event::new();
        let e = event.clone();
        let waiter = grove::spawn(async move { e.wait().await });
        grove::yield_now().await;
        event.set();
        event.clear();
        grove::timeout(Duration::from_secs(30), waiter)
            .await
            .expect("the woken waiter returns")
            .unwrap();
    });
}

#[test]
fn a_cancelled_wait_leaves_no_waiter_behind() {
    grove::run(async {
        let event = Event::new();
        assert!(grove::timeout(Duration::from_millis(5), event.wait()).await.is_err());
        let e = event.clone();
        let killed = grove::spawn(async move { e.wait().await });
        grove::yield_now().await;
        killed.kill();
        assert!(killed.await.unwrap_err().is_killed());
        assert!(format!("{event:?}").contains("waiters: 0"), "{event:?}");
        event.set();
    });
}

#[test]
fn async_result_is_one_shot_and_every_getter_sees_it() {
    grove::run(async {
        let result: AsyncResult<String> = AsyncResult::new();
        let getters: Vec<_> = (0..3)
            .map(|_| {
                let result = result.clone();
                grove::spawn(async move { result.get().await.unwrap() })
            })
            .collect();
        grove::yield_now().await;
        assert!(!result.is_ready());
        result.set("value".to_owned()).unwrap();
        assert_eq!(result.set("again".to_owned()), Err("again".to_owned()));
        for getter in grove::joinall(getters).await {
            assert_eq!(getter.unwrap(), "value");
        }
        assert_eq!(result.try_get().unwrap().unwrap(), "value");
    });
}

#[test]
fn async_result_carries_an_error() {
    grove::run(async {
        let result: AsyncResult<u32, &str> = AsyncResult::new();
        assert_eq!(result.try_get(), None);
        result.set_error("no luck").unwrap();
        assert_eq!(result.set(1), Err(1));
        assert_eq!(result.get().await, Err("no luck"));
    });
}

#[test]
fn a_cancelled_get_changes_nothing() {
    grove::run(async {
        let result: AsyncResult<u8> = AsyncResult::new();
        assert!(grove::timeout(Duration::from_millis(5), result.get()).await.is_err());
        result.set(7).unwrap();
        assert_eq!(result.get().await.unwrap(), 7);
    });
}

/// A value whose `clone` reads the result it is stored in.
#[derive(Debug)]
struct Nosy(Rc<RefCell<Option<AsyncResult<Nosy>>>>);

impl Clone for Nosy {
    fn clone(&self) -> Self {
        if let Some(result) = &*self.0.borrow() {
            assert!(result.is_ready());
        }
        Nosy(self.0.clone())
    }
}

#[test]
fn regression_a_value_s_clone_may_use_its_async_result() {
    grove::run(async {
        let result: AsyncResult<Nosy> = AsyncResult::new();
        let probe = Rc::new(RefCell::new(Some(result.clone())));
        result.set(Nosy(probe.clone())).unwrap();
        assert!(result.try_get().is_some());
        assert!(result.get().await.is_ok());
        // Break the cycle (the result holds a handle to itself).
        probe.borrow_mut().take();
    });
}
