//! Queues: order, bounds, joining, closing, streams and cancellation.

mod util;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use grove::queue::{Closed, Empty, Full, LifoQueue, PriorityQueue, Queue};
use util::Log;

#[test]
fn each_order_serves_its_items_in_its_order() {
    let fifo = Queue::new();
    let lifo = LifoQueue::new();
    let prio = PriorityQueue::new();
    for n in [3, 1, 2] {
        fifo.try_put(n).unwrap();
        lifo.try_put(n).unwrap();
        prio.try_put(n).unwrap();
    }
    let drain = |get: &dyn Fn() -> Result<i32, Empty>| std::iter::from_fn(|| get().ok()).collect::<Vec<_>>();
    assert_eq!(drain(&|| fifo.try_get()), [3, 1, 2]);
    assert_eq!(drain(&|| lifo.try_get()), [2, 1, 3]);
    assert_eq!(drain(&|| prio.try_get()), [1, 2, 3]);
}

#[test]
fn waiting_getters_are_served_first_come_first_served() {
    grove::run(async {
        let (queue, log) = (Queue::new(), Log::default());
        let getters: Vec<_> = (0..3)
            .map(|i| {
                let (queue, log) = (queue.clone(), log.clone());
                grove::spawn(async move {
                    let item: &str = queue.get().await.unwrap();
                    log.push(format!("{i}:{item}"));
                })
            })
            .collect();
        grove::yield_now().await;
        for item in ["a", "b", "c"] {
            queue.put(item).await.unwrap();
        }
        grove::joinall(getters).await;
        assert_eq!(log.take(), ["0:a", "1:b", "2:c"]);
    });
}

#[test]
fn full_gives_the_item_back_and_empty_says_so() {
    let queue = Queue::bounded(1);
    assert_eq!(queue.try_get(), Err(Empty));
    queue.try_put(String::from("kept")).unwrap();
    let Full(back) = queue.try_put(String::from("returned")).unwrap_err();
    assert_eq!(back, "returned");
    assert_eq!(queue.peek().as_deref(), Some("kept"));
    assert_eq!(queue.len(), 1);
}

#[test]
fn a_bounded_put_waits_until_a_get_makes_room() {
    grove::run(async {
        let queue = Queue::bounded(2);
        queue.put(1).await.unwrap();
        queue.put(2).await.unwrap();
        let q = queue.clone();
        let putter = grove::spawn(async move { q.put(3).await });
        grove::yield_now().await;
        assert!(!putter.is_finished(), "the queue is full");
        assert!(queue.is_full());
        assert_eq!(queue.get().await, Ok(1));
        grove::yield_now().await;
        assert!(putter.is_finished());
        assert_eq!(putter.await.unwrap(), Ok(()));
        assert_eq!((queue.try_get(), queue.try_get()), (Ok(2), Ok(3)));
    });
}

/// What `examples/ctrl_c` relies on to count its jobs: a put whose item a
/// get has already taken in returns `Ok` even when the queue closes before
/// the putter runs again, while a put dropped at that moment has still put.
#[test]
fn a_put_taken_in_before_close_returns_ok_and_one_dropped_then_still_put() {
    grove::run(async {
        let queue = Queue::bounded(1);
        queue.put(1).await.unwrap();
        let q = queue.clone();
        let counted = grove::spawn(async move { q.put(2).await });
        grove::yield_now().await;
        assert_eq!(queue.get().await, Ok(1), "takes 1 and lets 2 in");
        queue.close();
        assert_eq!(counted.await.unwrap(), Ok(()));
        assert_eq!(queue.try_get(), Ok(2));

        let queue = Queue::bounded(1);
        queue.put(1).await.unwrap();
        let q = queue.clone();
        let killed = grove::spawn(async move { q.put(2).await });
        grove::yield_now().await;
        assert_eq!(queue.get().await, Ok(1));
        killed.kill();
        assert!(killed.await.is_err(), "killed before it ran again");
        assert_eq!(queue.try_get(), Ok(2), "its item went in all the same");
    });
}

#[test]
fn putters_are_served_first_come_first_served() {
    grove::run(async {
        let queue = Queue::bounded(1);
        queue.put(0).await.unwrap();
        let putters: Vec<_> = (1..=3)
            .map(|i| {
                let queue = queue.clone();
                grove::spawn(async move { queue.put(i).await.unwrap() })
            })
            .collect();
        grove::yield_now().await;
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(queue.get().await.unwrap());
        }
        grove::joinall(putters).await;
        assert_eq!(got, [0, 1, 2, 3]);
    });
}

#[test]
fn join_waits_for_every_task_done() {
    grove::run(async {
        let queue = Queue::new();
        for job in 0..3 {
            queue.put(job).await.unwrap();
        }
        let worker = {
            let queue = queue.clone();
            grove::spawn(async move {
                for _ in 0..3 {
                    queue.get().await.unwrap();
                    grove::yield_now().await;
                    queue.task_done().unwrap();
                }
            })
        };
        let q = queue.clone();
        let joiner = grove::spawn(async move { q.join().await });
        grove::yield_now().await;
        assert!(!joiner.is_finished());
        grove::timeout(Duration::from_secs(30), joiner).await.unwrap().unwrap();
        worker.await.unwrap();
        assert!(queue.task_done().is_err(), "more done than put");
    });
}

#[test]
fn close_then_drain_then_closed() {
    grove::run(async {
        let queue = Queue::bounded(1);
        queue.put("last").await.unwrap();
        let q = queue.clone();
        let blocked = grove::spawn(async move { q.put("refused").await });
        grove::yield_now().await;
        queue.close();
        assert_eq!(blocked.await.unwrap(), Err(Closed("refused")));
        assert_eq!(queue.put("late").await, Err(Closed("late")));
        assert!(queue.try_put("late").is_err());
        assert_eq!(queue.get().await, Ok("last"));
        assert_eq!(queue.get().await, Err(Closed(())));
        assert!(queue.is_closed());
    });
}

#[test]
fn close_wakes_waiting_getters() {
    grove::run(async {
        let queue: Queue<u8> = Queue::new();
        let q = queue.clone();
        let getter = grove::spawn(async move { q.get().await });
        grove::yield_now().await;
        queue.close();
        assert_eq!(getter.await.unwrap(), Err(Closed(())));
    });
}

/// The getter that `close` woke with nothing must look again: an item
/// handed to another getter, dropped before it could take it, has come
/// back to the buffer meanwhile.
#[test]
fn a_getter_woken_by_close_still_gets_an_item_a_killed_getter_gave_back() {
    grove::run(async {
        let queue = Queue::new();
        let first = grove::spawn({
            let queue = queue.clone();
            async move { queue.get().await }
        });
        let second = grove::spawn({
            let queue = queue.clone();
            async move { queue.get().await }
        });
        grove::yield_now().await; // both wait, `first` ahead
        queue.try_put(7).unwrap(); // handed to `first`
        queue.close(); // wakes `second`, with nothing
        first.kill(); // its get is dropped: 7 goes back to the buffer
        assert_eq!(second.await.unwrap(), Ok(7));
        assert!(first.await.unwrap_err().is_killed());
        assert_eq!(queue.try_get(), Err(Empty));
    });
}

#[test]
fn stream_ends_at_close_and_sink_forwards() {
    grove::run(async {
        let queue = Queue::bounded(2);
        let mut sink = queue.clone();
        let producer = grove::spawn(async move {
            let mut items = futures::stream::iter(0..10).map(Ok);
            // `send_all` then `close`: closing the sink closes the queue.
            sink.send_all(&mut items).await.unwrap();
            SinkExt::close(&mut sink).await.unwrap();
        });
        let got: Vec<i32> = queue.clone().collect().await;
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        producer.await.unwrap();
    });
}

#[test]
fn a_get_dropped_after_an_item_reached_it_passes_the_item_on() {
    grove::run(async {
        let queue = Queue::new();
        let q = queue.clone();
        let first = grove::spawn(async move { q.get().await });
        let q = queue.clone();
        let second = grove::spawn(async move { q.get().await });
        grove::yield_now().await;
        queue.put("only").await.unwrap(); // handed to `first`...
        first.kill(); // ...which dies before taking it
        assert!(first.await.unwrap_err().is_killed());
        let got = grove::timeout(Duration::from_secs(30), second)
            .await
            .expect("the item was lost");
        assert_eq!(got.unwrap(), Ok("only"));
    });
}

#[test]
fn an_item_of_a_dropped_get_with_no_other_getter_returns_to_the_front() {
    grove::run(async {
        let queue = Queue::new();
        let q = queue.clone();
        let getter = grove::spawn(async move { q.get().await });
        grove::yield_now().await;
        queue.put(1).await.unwrap(); // handed to the getter
        queue.put(2).await.unwrap(); // buffered behind it
        getter.kill();
        let _ = getter.await;
        assert_eq!(queue.try_get(), Ok(1), "back at the front");
        assert_eq!(queue.try_get(), Ok(2));
    });
}

#[test]
fn a_put_dropped_while_waiting_leaves_the_queue_unchanged() {
    grove::run(async {
        let queue = Queue::bounded(1);
        queue.put(1).await.unwrap();
        assert!(grove::timeout(Duration::from_millis(5), queue.put(2)).await.is_err());
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.try_get(), Ok(1));
        assert_eq!(queue.try_get(), Err(Empty), "the cancelled item never went in");
    });
}

#[test]
#[should_panic(expected = "use grove::queue::Channel")]
fn a_bounded_queue_of_zero_points_to_channel() {
    let _ = Queue::<u8>::bounded(0);
}

#[test]
fn a_join_dropped_while_waiting_changes_nothing() {
    grove::run(async {
        let queue = Queue::new();
        queue.put(1).await.unwrap();
        assert!(grove::timeout(Duration::from_millis(5), queue.join()).await.is_err());
        assert_eq!(queue.get().await, Ok(1));
        queue.task_done().unwrap();
        grove::timeout(Duration::from_secs(30), queue.join())
            .await
            .expect("join after the cancelled one");
        assert_eq!(
            format!("{queue:?}"),
            "Queue { len: 0, capacity: None, getters: 0, putters: 0, closed: false }"
        );
    });
}

#[test]
fn peek_wait_waits_for_an_item_and_leaves_it() {
    grove::run(async {
        let queue: Queue<String> = Queue::new();
        let q = queue.clone();
        let peeker = grove::spawn(async move { q.peek_wait().await });
        grove::yield_now().await;
        assert!(!peeker.is_finished(), "nothing to peek at yet");
        queue.try_put("first".to_owned()).unwrap();
        assert_eq!(peeker.await.unwrap().unwrap(), "first");
        assert_eq!(queue.len(), 1, "the item is still there");
        // A parked putter's item of a Channel is peeked at too.
        let channel = grove::queue::Channel::new();
        let c = channel.clone();
        let putter = grove::spawn(async move { c.put(9).await });
        assert_eq!(channel.peek_wait().await, Ok(9));
        assert_eq!(channel.get().await, Ok(9));
        putter.await.unwrap().unwrap();
    });
}

#[test]
fn peek_wait_ends_with_closed_and_loses_nothing_when_dropped() {
    grove::run(async {
        let queue: Queue<u8> = Queue::new();
        assert!(
            grove::timeout(Duration::from_millis(5), queue.peek_wait())
                .await
                .is_err()
        );
        queue.try_put(1).unwrap();
        assert_eq!(queue.peek_wait().await, Ok(1));
        assert_eq!(queue.try_get(), Ok(1));
        let q = queue.clone();
        let peeker = grove::spawn(async move { q.peek_wait().await });
        grove::yield_now().await;
        queue.close();
        assert!(peeker.await.unwrap().is_err(), "closed and empty");
    });
}

#[test]
fn close_now_drops_the_items_counts_them_done_and_refuses_everyone() {
    grove::run(async {
        let dropped = util::DropCounter::default();
        let queue = Queue::bounded(2);
        queue.try_put(dropped.token()).unwrap();
        queue.try_put(dropped.token()).unwrap();
        let q = queue.clone();
        let putter = grove::spawn(async move { q.put(util::DropCounter::default().token()).await.is_err() });
        let q = queue.clone();
        let joiner = grove::spawn(async move { q.join().await });
        grove::yield_now().await;
        assert_eq!(queue.unfinished_tasks(), 2);
        queue.close_now();
        assert_eq!(dropped.dropped(), 2, "the queued items were dropped");
        assert_eq!(queue.unfinished_tasks(), 0);
        joiner.await.unwrap();
        assert!(putter.await.unwrap(), "the waiting putter got its item back");
        assert!(queue.get().await.is_err());
        let getters_queue: Queue<u8> = Queue::new();
        let q = getters_queue.clone();
        let getter = grove::spawn(async move { q.get().await });
        grove::yield_now().await;
        getters_queue.close_now();
        assert!(getter.await.unwrap().is_err());
    });
}
