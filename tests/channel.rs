//! The rendezvous Channel: puts meet gets, and a put hands off directly.

mod util;

use std::time::Duration;

use grove::queue::{Channel, Closed};
use util::Log;

#[test]
fn a_put_is_not_done_before_a_get() {
    grove::run(async {
        let (channel, log) = (Channel::new(), Log::default());
        let (c, l) = (channel.clone(), log.clone());
        let putter = grove::spawn(async move {
            c.put("item").await.unwrap();
            l.push("put done");
        });
        for _ in 0..5 {
            grove::yield_now().await;
        }
        assert!(log.take().is_empty(), "no getter yet");
        assert!(!putter.is_finished());
        assert_eq!(channel.get().await, Ok("item"));
        putter.await.unwrap();
        assert_eq!(log.take(), ["put done"]);
    });
}

#[test]
fn try_put_succeeds_only_if_a_getter_waits() {
    grove::run(async {
        let channel = Channel::new();
        assert_eq!(channel.try_put(1).unwrap_err().0, 1);
        let c = channel.clone();
        let getter = grove::spawn(async move { c.get().await });
        grove::yield_now().await;
        channel.try_put(2).unwrap();
        assert_eq!(getter.await.unwrap(), Ok(2));
        assert!(channel.is_empty());
    });
}

#[test]
fn the_getter_runs_next_after_a_put() {
    grove::run(async {
        let (channel, log) = (Channel::new(), Log::default());
        let (c, l) = (channel.clone(), log.clone());
        let getter = grove::spawn(async move {
            let item = c.get().await.unwrap();
            l.push(format!("got {item}"));
        });
        grove::yield_now().await; // the getter waits
        let l = log.clone();
        let bystander = grove::spawn(async move { l.push("bystander") });
        channel.put(1).await.unwrap();
        grove::yield_now().await;
        assert_eq!(
            log.take(),
            ["got 1", "bystander"],
            "the put handed control to the getter"
        );
        grove::joinall([getter, bystander]).await;
    });
}

#[test]
fn an_item_handed_to_a_dropped_getter_reaches_the_next_one() {
    grove::run(async {
        let channel = Channel::new();
        let c = channel.clone();
        let first = grove::spawn(async move { c.get().await });
        grove::yield_now().await;
        channel.try_put("precious").unwrap(); // handed to `first`
        first.kill();
        let _ = first.await;
        // No getter was waiting: the item waits for the next get.
        assert_eq!(
            grove::timeout(Duration::from_secs(30), channel.get()).await.unwrap(),
            Ok("precious")
        );
    });
}

#[test]
fn close_refuses_waiting_putters() {
    grove::run(async {
        let channel = Channel::new();
        let c = channel.clone();
        let putter = grove::spawn(async move { c.put(5).await });
        grove::yield_now().await;
        channel.close();
        assert_eq!(putter.await.unwrap(), Err(Closed(5)));
        assert_eq!(channel.get().await, Err(Closed(())));
    });
}

/// A waiter list keeps the waker of the task it last served, for that
/// task's next wait. A channel that outlives its runtime still holds one,
/// of a task gone with that runtime: the next runtime's getter must replace
/// it (which lets the old task's memory go) and be the one woken.
#[test]
fn a_channel_that_outlives_its_runtime_serves_the_next_runtimes_getter() {
    let channel = Channel::new();
    for item in [1, 2] {
        let channel = channel.clone();
        grove::run(async move {
            let c = channel.clone();
            let getter = grove::spawn(async move { c.get().await });
            grove::yield_now().await; // the getter waits
            channel.try_put(item).unwrap();
            grove::yield_now().await; // the handoff runs it
            assert!(getter.is_finished(), "the getter of runtime {item} was woken");
            assert_eq!(getter.await.unwrap(), Ok(item));
        });
    }
}
