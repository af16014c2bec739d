//! Spawning: when tasks run, what they may hold, names and ids.

mod util;

use std::cell::Cell;
use std::panic::catch_unwind;
use std::rc::Rc;
use std::time::{Duration, Instant};

use util::{Log, panic_message};

#[test]
fn nothing_runs_inside_spawn() {
    grove::run(async {
        let log = Log::default();
        let l = log.clone();
        let task = grove::spawn(async move { l.push("task") });
        log.push("after spawn");
        task.await.unwrap();
        assert_eq!(log.take(), ["after spawn", "task"]);
    });
}

#[test]
fn tasks_start_in_spawn_order() {
    grove::run(async {
        let log = Log::default();
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let log = log.clone();
                grove::spawn(async move { log.push(i.to_string()) })
            })
            .collect();
        grove::joinall(tasks).await;
        assert_eq!(log.take(), ["0", "1", "2", "3", "4"]);
    });
}

#[test]
fn tasks_may_hold_non_send_state() {
    let counter = Rc::new(Cell::new(0));
    let c = counter.clone();
    grove::run(async move {
        let task = grove::spawn(async move {
            grove::yield_now().await;
            c.set(c.get() + 1);
        });
        task.await.unwrap();
    });
    assert_eq!(counter.get(), 1);
}

#[test]
fn spawn_without_a_runtime_panics_with_a_clear_message() {
    let err = catch_unwind(|| grove::spawn(async {})).unwrap_err();
    let message = panic_message(&*err);
    assert!(message.contains("needs a grove runtime on this thread"), "{message}");
    assert!(message.contains("grove::run"), "{message}");
}

#[test]
fn detached_tasks_keep_running() {
    grove::run(async {
        let done = Rc::new(Cell::new(false));
        let d = done.clone();
        drop(grove::spawn(async move {
            grove::sleep(Duration::from_millis(5)).await;
            d.set(true);
        }));
        let wait = async {
            while !done.get() {
                grove::sleep(Duration::from_millis(1)).await;
            }
        };
        grove::timeout(Duration::from_secs(30), wait)
            .await
            .expect("the detached task never finished");
    });
}

#[test]
fn names_and_ids() {
    grove::run(async {
        let named = grove::task::Builder::new().name("worker-1").spawn(async {
            let me = grove::task::current();
            (me.id(), me.name().map(str::to_owned))
        });
        let plain = grove::spawn(async { grove::task::current().name().map(str::to_owned) });
        assert_eq!(named.name(), Some("worker-1"));
        assert_eq!(plain.name(), None);
        assert_ne!(named.id(), plain.id());
        let id = named.id();
        assert_eq!(named.await.unwrap(), (id, Some("worker-1".to_owned())));
        assert_eq!(plain.await.unwrap(), None);
    });
}

#[test]
fn current_outside_a_task() {
    assert!(grove::task::try_current().is_none());
    let rt = grove::Runtime::new().unwrap();
    assert!(grove::task::try_current().is_none());
    rt.block_on(async { assert!(grove::task::try_current().is_some()) });
}

#[test]
fn spawn_later_waits_for_its_delay() {
    grove::run(async {
        let start = Instant::now();
        let task = grove::spawn_later(Duration::from_millis(30), async move { start.elapsed() });
        assert!(task.await.unwrap() >= Duration::from_millis(30));
    });
}

#[test]
fn a_task_may_spawn_tasks() {
    let total = grove::run(async {
        let outer = grove::spawn(async {
            let inner: Vec<_> = (0..10).map(|i| grove::spawn(async move { i })).collect();
            grove::joinall(inner).await.into_iter().map(Result::unwrap).sum::<i32>()
        });
        outer.await.unwrap()
    });
    assert_eq!(total, 45);
}
