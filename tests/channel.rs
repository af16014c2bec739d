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

/// gevent's `TestChannel.test_send` (src/gevent/tests/test__queue.py): a put
/// to a waiting getter switches to it, and comes back after it.
#[test]
fn gevent_test_send_a_put_switches_to_the_getter_and_back() {
    grove::run(async {
        let (channel, log) = (Channel::new(), Log::default());
        let (c, l) = (channel.clone(), log.clone());
        let getter = grove::spawn(async move {
            while let Ok(item) = c.get().await {
                l.push(item);
            }
        });
        grove::yield_now().await; // the getter waits
        log.push("sending");
        channel.put("hello").await.unwrap();
        log.push("sent hello");
        channel.put("world").await.unwrap();
        log.push("sent world");
        assert_eq!(log.take(), ["sending", "hello", "sent hello", "world", "sent world"]);
        channel.close();
        getter.await.unwrap();
    });
}

/// gevent's `TestChannel.test_wait`: the getter is the main task, the putter
/// a spawned one; after the second get, `sleep(0)` lets the putter finish.
#[test]
fn gevent_test_wait_the_putter_resumes_when_the_getter_yields() {
    grove::run(async {
        let (channel, log) = (Channel::new(), Log::default());
        let (c, l) = (channel.clone(), log.clone());
        let putter = grove::spawn(async move {
            l.push("sending hello");
            c.put("hello").await.unwrap();
            l.push("sending world");
            c.put("world").await.unwrap();
            l.push("sent world");
        });
        log.push("waiting");
        let hello = channel.get().await.unwrap();
        log.push(hello);
        let world = channel.get().await.unwrap();
        log.push(world);
        let events = ["waiting", "sending hello", "hello", "sending world", "world"];
        assert_eq!(log.take(), events);
        grove::sleep(Duration::ZERO).await;
        assert_eq!(log.take(), ["sent world"]);
        putter.await.unwrap();
    });
}

/// The putter comes back ahead of tasks that were ready before the put:
/// control goes there and back, as greenlet's does (stricter than gevent,
/// whose putter waits its turn behind them).
#[test]
fn the_putter_resumes_right_after_the_getter_ahead_of_other_ready_tasks() {
    grove::run(async {
        let (channel, log) = (Channel::new(), Log::default());
        let (c, l) = (channel.clone(), log.clone());
        let getter = grove::spawn(async move {
            l.push(format!("got {}", c.get().await.unwrap()));
            grove::yield_now().await;
            l.push("getter again");
        });
        grove::yield_now().await; // the getter waits
        let l = log.clone();
        let bystander = grove::spawn(async move { l.push("bystander") });
        channel.put(1).await.unwrap();
        log.push("putter back");
        grove::joinall([getter, bystander]).await;
        assert_eq!(log.take(), ["got 1", "putter back", "bystander", "getter again"]);
    });
}

#[test]
fn a_putter_that_waited_runs_next_once_its_item_is_taken() {
    grove::run(async {
        let (channel, log) = (Channel::new(), Log::default());
        let (c, l) = (channel.clone(), log.clone());
        let putter = grove::spawn(async move {
            c.put(7).await.unwrap();
            l.push("put done");
        });
        grove::yield_now().await; // the putter waits with its item
        let l = log.clone();
        let bystander = grove::spawn(async move { l.push("bystander") });
        assert_eq!(channel.get().await, Ok(7));
        grove::yield_now().await;
        assert_eq!(log.take(), ["put done", "bystander"]);
        grove::joinall([putter, bystander]).await;
    });
}

/// A put to a getter that waits but is queued already (woken by something
/// else it also waits on) cannot hand control to it: the putter then runs
/// after it, from the queue. It used to be left suspended for good.
#[test]
fn regression_a_put_to_a_getter_already_queued_still_comes_back() {
    // On a thread of its own, watched: the putter used to be left
    // suspended, and the loop to spin on it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = grove::Runtime::new().unwrap();
        let channel = Channel::new();
        let c = channel.clone();
        let getter = grove::spawn(async move {
            // Waits on the channel and, in the same poll, queues itself again.
            futures::join!(c.get(), grove::yield_now()).0
        });
        // Runs right after the getter's first poll, while it is queued.
        let putter = grove::spawn(async move { channel.put("x").await });
        rt.run_until_stalled();
        let done = putter.is_finished();
        tx.send((done, rt.block_on(getter).unwrap(), rt.block_on(putter).unwrap()))
            .unwrap();
    });
    let (done, got, put) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the putter never came back");
    assert!(done);
    assert_eq!(got, Ok("x"));
    assert_eq!(put, Ok(()));
}
