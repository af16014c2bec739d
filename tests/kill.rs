//! Killing tasks: before they start, while they wait, after they finish.

mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use util::DropCounter;

#[test]
fn a_task_killed_before_it_starts_never_runs() {
    grove::run(async {
        let ran = Rc::new(Cell::new(false));
        let drops = DropCounter::default();
        let (r, token) = (ran.clone(), drops.token());
        let task = grove::spawn(async move {
            let _token = token;
            r.set(true);
        });
        task.kill();
        assert!(task.await.unwrap_err().is_killed());
        assert!(!ran.get());
        assert_eq!(drops.dropped(), 1, "the unstarted future was dropped");
    });
}

#[test]
fn killing_a_sleeping_task_drops_its_future() {
    grove::run(async {
        let drops = DropCounter::default();
        let reached_end = Rc::new(Cell::new(false));
        let (token, end) = (drops.token(), reached_end.clone());
        let task = grove::spawn(async move {
            let _token = token;
            grove::sleep(Duration::from_secs(3600)).await;
            end.set(true);
        });
        grove::yield_now().await; // let it start and park
        assert_eq!(drops.dropped(), 0);
        task.kill();
        let err = task.await.unwrap_err();
        assert!(err.is_killed() && !err.is_panic());
        assert_eq!(drops.dropped(), 1);
        assert!(!reached_end.get());
    });
}

#[test]
fn killing_a_finished_task_changes_nothing() {
    grove::run(async {
        let mut task = grove::spawn(async { 7 });
        grove::yield_now().await;
        assert!(task.is_finished());
        task.kill();
        task.kill();
        assert_eq!((&mut task).await.unwrap(), 7);
    });
}

#[test]
fn kill_is_idempotent() {
    grove::run(async {
        let task = grove::spawn(std::future::pending::<()>());
        task.kill();
        task.kill();
        assert!(task.await.unwrap_err().is_killed());
    });
}

#[test]
fn a_task_may_kill_itself() {
    grove::run(async {
        let slot: Rc<Cell<Option<grove::JoinHandle<()>>>> = Rc::default();
        let me = slot.clone();
        let drops = DropCounter::default();
        let token = drops.token();
        let task = grove::spawn(async move {
            let _token = token;
            grove::yield_now().await;
            let handle = me.take().unwrap();
            handle.kill();
            me.set(Some(handle));
            grove::yield_now().await;
            unreachable!("the kill takes effect at the next await");
        });
        let id = task.id();
        slot.set(Some(task));
        while drops.dropped() == 0 {
            grove::yield_now().await;
        }
        let task = slot.take().unwrap();
        let err = task.await.unwrap_err();
        assert!(err.is_killed());
        assert_eq!(err.id(), id);
    });
}
