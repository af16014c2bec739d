//! grove's primitives awaited by futures that another executor polls. Their
//! waiters are not grove tasks, so the waiter list cannot schedule them in
//! place: it hands their wakers back, to be woken once the primitive's
//! borrow is released. These tests pin that path, with and without a grove
//! runtime on the thread, and mixed with grove tasks on the same primitive.
//!
//! The pools run until they stall and the tests then check what finished,
//! so a lost wake-up fails an assertion instead of hanging.

use std::cell::RefCell;
use std::rc::Rc;

use futures::FutureExt;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use grove::queue::{Channel, Queue};
use grove::sync::{Event, Semaphore};

#[test]
fn a_channel_rendezvous_completes_on_another_executor() {
    let mut pool = LocalPool::new();
    let channel = Channel::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let getter = {
        let (channel, log) = (channel.clone(), log.clone());
        pool.spawner()
            .spawn_local_with_handle(async move {
                for _ in 0..3 {
                    let item: u32 = channel.get().await.unwrap();
                    log.borrow_mut().push(item);
                }
            })
            .unwrap()
    };
    pool.spawner()
        .spawn_local(async move {
            for item in [1, 2, 3] {
                channel.put(item).await.unwrap();
            }
        })
        .unwrap();
    pool.run_until_stalled();
    assert_eq!(getter.now_or_never(), Some(()));
    assert_eq!(*log.borrow(), [1, 2, 3]);
}

#[test]
fn a_full_queue_wakes_a_putter_of_another_executor() {
    let mut pool = LocalPool::new();
    let queue = Queue::bounded(1);
    queue.try_put(0).unwrap();
    let put = {
        let queue = queue.clone();
        pool.spawner()
            .spawn_local_with_handle(async move { queue.put(1).await })
            .unwrap()
    };
    pool.run_until_stalled();
    assert_eq!(queue.len(), 1, "the putter waits for room");
    assert_eq!(queue.try_get(), Ok(0));
    // The putter's item moved in on the get; its future completes.
    pool.run_until_stalled();
    assert_eq!(put.now_or_never(), Some(Ok(())));
    assert_eq!(queue.try_get(), Ok(1));
}

#[test]
fn an_event_wakes_grove_tasks_and_foreign_waiters_alike() {
    grove::run(async {
        let event = Event::new();
        let mut pool = LocalPool::new();
        let woken = Rc::new(RefCell::new(Vec::new()));
        for name in ["foreign 1", "foreign 2"] {
            let (event, woken) = (event.clone(), woken.clone());
            pool.spawner()
                .spawn_local(async move {
                    event.wait().await;
                    woken.borrow_mut().push(name);
                })
                .unwrap();
        }
        let task = {
            let (event, woken) = (event.clone(), woken.clone());
            grove::spawn(async move {
                event.wait().await;
                woken.borrow_mut().push("grove task");
            })
        };
        pool.run_until_stalled();
        grove::yield_now().await; // the grove task waits too
        assert!(woken.borrow().is_empty());
        event.set();
        pool.run_until_stalled();
        task.await.unwrap();
        let mut woken = woken.take();
        woken.sort_unstable();
        assert_eq!(woken, ["foreign 1", "foreign 2", "grove task"]);
    });
}

#[test]
fn a_permit_released_by_a_grove_task_reaches_a_foreign_waiter() {
    grove::run(async {
        let semaphore = Semaphore::new(1);
        let permit = semaphore.acquire().await;
        let mut pool = LocalPool::new();
        let acquired = {
            let semaphore = semaphore.clone();
            pool.spawner()
                .spawn_local_with_handle(async move {
                    let _permit = semaphore.acquire().await;
                    "acquired"
                })
                .unwrap()
        };
        pool.run_until_stalled();
        assert_eq!(semaphore.available(), 0);
        grove::spawn(async move { drop(permit) }).await.unwrap();
        pool.run_until_stalled();
        assert_eq!(acquired.now_or_never(), Some("acquired"));
        assert_eq!(semaphore.available(), 1, "the foreign waiter gave it back");
    });
}
