//! Metrics, task dumps and task hooks, against counts the tests keep
//! themselves.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use grove::Runtime;
use grove::runtime::{TaskMeta, TaskState};

/// Counts its own polls: the `block_on` future's polls are in the metrics.
struct CountPolls<F> {
    future: Pin<Box<F>>,
    polls: Rc<Cell<u64>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

#[test]
fn metrics_match_what_the_test_counted() {
    let task_polls = Arc::new(AtomicU64::new(0));
    let rt = {
        let task_polls = task_polls.clone();
        Runtime::builder()
            .on_before_poll(move |_: &TaskMeta<'_>| {
                task_polls.fetch_add(1, Ordering::Relaxed);
            })
            .build()
            .unwrap()
    };
    let main_polls = Rc::new(Cell::new(0));
    let main = CountPolls {
        polls: main_polls.clone(),
        future: Box::pin(async {
            // 5,000 that end at once, 3,000 that sleep for an hour and 1,900
            // that wait forever, both killed, 100 woken from other threads.
            // (Sleepers that end by themselves made this test depend on how
            // fast a loaded machine spawns: 20 ms sleeps had fired before
            // the count below.)
            let quick: Vec<_> = (0..5_000).map(|n| grove::spawn(async move { n })).collect();
            let sleepers: Vec<_> = (0..3_000)
                .map(|_| grove::spawn(grove::sleep(Duration::from_secs(3600))))
                .collect();
            let stuck: Vec<_> = (0..1_900).map(|_| grove::spawn(std::future::pending::<()>())).collect();
            let mut senders = Vec::new();
            let remote: Vec<_> = (0..100)
                .map(|_| {
                    let (tx, rx) = futures::channel::oneshot::channel::<u32>();
                    senders.push(tx);
                    grove::spawn(async move { rx.await.unwrap() })
                })
                .collect();
            grove::yield_now().await; // every task has run once

            let during = grove::runtime::metrics();
            assert_eq!(during.spawned, 10_000);
            assert_eq!(during.finished, 5_000);
            assert_eq!(during.tasks_alive, 5_000);
            assert_eq!(during.timers_armed, 3_000);
            assert_eq!(during.tasks_waiting + during.tasks_ready, 5_000);

            let listener = grove::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(grove::runtime::metrics().io_sources, 1);
            drop(listener);

            let threads: Vec<_> = senders
                .into_iter()
                .map(|tx| std::thread::spawn(move || tx.send(7).unwrap()))
                .collect();
            threads.into_iter().for_each(|t| t.join().unwrap());
            assert_eq!(grove::joinall(remote).await.len(), 100);
            grove::task::killall(stuck).await;
            grove::task::killall(sleepers).await;
            grove::joinall(quick).await;
            // Nothing else to do: the loop waits in its poller.
            grove::sleep(Duration::from_millis(30)).await;
        }),
    };
    rt.block_on(main);
    let metrics = rt.metrics();
    assert_eq!(
        (metrics.spawned, metrics.finished, metrics.tasks_alive),
        (10_000, 10_000, 0)
    );
    assert_eq!((metrics.tasks_ready, metrics.tasks_waiting), (0, 0));
    assert_eq!((metrics.timers_armed, metrics.io_sources), (0, 0));
    assert_eq!(metrics.remote_wakes, 100);
    assert_eq!(metrics.polls, task_polls.load(Ordering::Relaxed) + main_polls.get());
    assert!(metrics.parked_time >= Duration::from_millis(25), "{metrics:?}");
    assert!(metrics.busy_time > Duration::ZERO);
    assert!(metrics.longest_poll.is_none());
}

#[test]
fn handle_metrics_come_from_the_loop_s_last_turn() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    assert_eq!(handle.metrics().unwrap().spawned, 0);
    rt.block_on(async {
        for _ in 0..10 {
            grove::spawn(async {}).await.unwrap();
        }
        // A wait in the poller publishes.
        grove::sleep(Duration::from_millis(1)).await;
        let handle = handle.clone();
        let seen = std::thread::spawn(move || handle.metrics().unwrap()).join().unwrap();
        assert_eq!((seen.spawned, seen.finished), (10, 10));
    });
    drop(rt);
    assert!(handle.metrics().is_none(), "the runtime is gone");
}

#[test]
fn a_dump_of_a_thousand_tasks_in_mixed_states() {
    let rt = Runtime::builder().task_dump(true).build().unwrap();
    let spawned_after = line!();
    let dump = rt.block_on(async {
        let waiting: Vec<_> = (0..699)
            .map(|n| {
                grove::task::Builder::new()
                    .name(format!("waiter-{n}"))
                    .spawn(std::future::pending::<()>())
            })
            .collect();
        let spawned_before = line!();
        grove::yield_now().await;
        let dumper = grove::spawn(async move {
            let ready: Vec<_> = (0..300).map(|_| grove::spawn(async {})).collect();
            let dump = grove::runtime::tasks();
            drop(ready);
            (dump, spawned_before)
        });
        let dump = dumper.await.unwrap();
        drop(waiting);
        dump
    });
    let (dump, spawned_before) = dump;
    assert_eq!(dump.tasks.len(), 1_000);
    assert_eq!(dump.counts(), (300, 699, 1));
    let waiter = dump
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("waiter-10"))
        .unwrap();
    assert_eq!(waiter.state, TaskState::Waiting);
    let location = waiter.spawned_at.unwrap();
    assert_eq!(location.file(), file!());
    assert!((spawned_after..spawned_before).contains(&location.line()), "{location}");
    assert!(dump.tasks.iter().all(|t| t.age.is_some() && t.spawned_at.is_some()));
    let text = dump.to_string();
    assert!(
        text.starts_with("1000 tasks: 300 ready, 699 waiting, 1 running"),
        "{text}"
    );
    assert!(text.contains("\"waiter-698\""));
}

#[test]
fn a_dump_without_the_table_still_lists_every_task() {
    let rt = Runtime::new().unwrap();
    let tasks: Vec<_> = (0..10).map(|_| grove::spawn(std::future::pending::<()>())).collect();
    rt.run_until_stalled();
    let dump = rt.tasks();
    assert_eq!(dump.counts(), (0, 10, 0));
    assert!(dump.tasks.iter().all(|t| t.age.is_none() && t.spawned_at.is_none()));
    let ids: Vec<_> = tasks.iter().map(grove::JoinHandle::id).collect();
    assert_eq!(dump.tasks.iter().map(|t| t.id).collect::<Vec<_>>(), ids);
}

#[test]
fn hooks_run_in_the_order_of_a_task_s_life() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let hook = |what: &'static str| {
        let events = events.clone();
        move |task: &TaskMeta<'_>| {
            events
                .lock()
                .unwrap()
                .push(format!("{what} {}", task.name().unwrap_or("?")))
        }
    };
    let rt = Runtime::builder()
        .on_task_spawn(hook("spawn"))
        .on_before_poll(hook("before"))
        .on_after_poll(hook("after"))
        .on_task_terminate(hook("end"))
        .build()
        .unwrap();
    rt.block_on(async {
        let named = |name: &str| grove::task::Builder::new().name(name);
        named("yields").spawn(grove::yield_now()).await.unwrap();
        let killed = named("killed").spawn(async {});
        killed.kill();
        assert!(killed.await.unwrap_err().is_killed());
        let panics = named("panics").spawn(async { panic!("on purpose") });
        assert!(panics.await.unwrap_err().is_panic());
    });
    let events = events.lock().unwrap();
    assert_eq!(
        *events,
        [
            "spawn yields",
            "before yields",
            "after yields",
            "before yields",
            "after yields",
            "end yields",
            "spawn killed",
            "end killed",
            "spawn panics",
            "before panics",
            "after panics",
            "end panics",
        ]
    );
}

#[test]
fn a_panicking_hook_does_not_take_the_runtime_down() {
    let rt = Runtime::builder()
        .on_task_spawn(|_: &TaskMeta<'_>| panic!("a broken hook"))
        .build()
        .unwrap();
    assert_eq!(rt.block_on(async { grove::spawn(async { 3 }).await.unwrap() }), 3);
}

#[test]
#[cfg(feature = "blocking")]
fn thread_pool_metrics_count_completed_jobs() {
    grove::run(async {
        let pool = grove::blocking::ThreadPool::new(2);
        pool.map(0..10, |n| n).await.unwrap();
        // A job counts as completed once its thread is done with it, which
        // may be just after its task has the result: join waits for that.
        pool.join().await;
        let metrics = pool.metrics();
        assert_eq!((metrics.completed, metrics.busy, metrics.queued), (10, 0, 0));

        grove::spawn_blocking(|| ()).await.unwrap();
        let own = || {
            grove::runtime::metrics()
                .blocking
                .expect("spawn_blocking started the pool")
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while own().completed == 0 && std::time::Instant::now() < deadline {
            grove::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(own().completed, 1);
    });
}

/// A task that wakes itself and then returns leaves its queue entry behind
/// for the loop to skip; that entry is not a ready task.
#[test]
fn a_task_that_finished_after_waking_itself_is_not_counted_ready() {
    grove::run(async {
        let task = grove::spawn(std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            std::task::Poll::Ready(())
        }));
        // The task runs (and queues itself behind this one), then this.
        grove::yield_now().await;
        let metrics = grove::runtime::metrics();
        assert!(task.is_finished());
        assert_eq!(
            (metrics.tasks_alive, metrics.tasks_ready, metrics.tasks_waiting),
            (0, 0, 0)
        );
        // Once the loop has skipped the entry, the counts still hold.
        grove::yield_now().await;
        let metrics = grove::runtime::metrics();
        assert_eq!((metrics.tasks_alive, metrics.tasks_ready), (0, 0));
    });
}

/// A destructor that reads the metrics while the runtime shuts down, with a
/// finished task's entry still in the drained queue, gets sane counts.
#[test]
fn metrics_read_by_a_destructor_during_shutdown_stay_sane() {
    use std::cell::Cell;
    use std::rc::Rc;

    struct Reads(Rc<Cell<Option<(usize, usize)>>>);
    impl Drop for Reads {
        fn drop(&mut self) {
            let metrics = grove::runtime::metrics();
            self.0.set(Some((metrics.tasks_alive, metrics.tasks_ready)));
        }
    }

    let seen = Rc::new(Cell::new(None));
    let rt = grove::Runtime::new().unwrap();
    let reads = Reads(seen.clone());
    rt.block_on(async move {
        grove::spawn(async move {
            let _reads = reads;
            std::future::pending::<()>().await
        });
        grove::spawn(std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            std::task::Poll::Ready(())
        }));
        // Both run: the first waits for good, the second queues itself
        // again and ends, leaving its entry behind.
        grove::yield_now().await;
    });
    drop(rt);
    let (alive, ready) = seen.get().expect("the waiting task's future was dropped");
    assert!(ready <= alive, "{ready} ready of {alive} alive");
}
