//! Task-locals: each task sees its own value, dropped when it ends.

mod util;

use std::cell::{Cell, RefCell};

use util::DropCounter;

grove::task_local! {
    static COUNTER: Cell<u32> = Cell::new(0);
    static NAME: RefCell<String> = RefCell::new(String::from("unset"));
}

#[test]
fn each_task_sees_its_own_value() {
    grove::run(async {
        let tasks: Vec<_> = (1..=5u32)
            .map(|i| {
                grove::spawn(async move {
                    for _ in 0..i {
                        COUNTER.with(|c| c.set(c.get() + 1));
                        grove::yield_now().await;
                    }
                    COUNTER.with(|c| c.get())
                })
            })
            .collect();
        let counts: Vec<u32> = grove::joinall(tasks).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(counts, [1, 2, 3, 4, 5]);
        assert_eq!(COUNTER.with(|c| c.get()), 0, "the main future has its own value");
    });
}

#[test]
fn values_start_fresh_in_each_task_and_keys_are_independent() {
    grove::run(async {
        NAME.with(|n| *n.borrow_mut() = "main".into());
        let task = grove::spawn(async {
            let before = NAME.with(|n| n.borrow().clone());
            NAME.with(|n| *n.borrow_mut() = "task".into());
            COUNTER.with(|c| c.set(9));
            (before, NAME.with(|n| n.borrow().clone()))
        });
        assert_eq!(task.await.unwrap(), ("unset".to_owned(), "task".to_owned()));
        assert_eq!(NAME.with(|n| n.borrow().clone()), "main");
        assert_eq!(COUNTER.with(|c| c.get()), 0);
    });
}

thread_local! {
    static DROPS: DropCounter = DropCounter::default();
}

grove::task_local! {
    static TOKEN: util::DropToken = DROPS.with(|d| d.token());
}

#[test]
fn values_are_dropped_when_their_task_ends() {
    grove::run(async {
        let task = grove::spawn(async {
            TOKEN.with(|_| ());
            grove::yield_now().await;
        });
        let killed = grove::spawn(async {
            TOKEN.with(|_| ());
            std::future::pending::<()>().await;
        });
        grove::yield_now().await;
        assert_eq!(DROPS.with(|d| d.dropped()), 0);
        task.await.unwrap();
        assert_eq!(DROPS.with(|d| d.dropped()), 1);
        killed.kill();
        let _ = killed.await;
        assert_eq!(DROPS.with(|d| d.dropped()), 2);
    });
}

#[test]
#[should_panic(expected = "outside of any grove task")]
fn access_outside_a_task_panics() {
    let _rt = grove::Runtime::new().unwrap();
    COUNTER.with(|c| c.get());
}

thread_local! {
    static SEEN_IN_DROP: Cell<u32> = const { Cell::new(0) };
}

/// Reads another task-local while being dropped.
struct ReadsOnDrop;

impl Drop for ReadsOnDrop {
    fn drop(&mut self) {
        let n = COUNTER.with(|c| c.get());
        SEEN_IN_DROP.with(|s| s.set(n));
    }
}

/// Panics while being dropped.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("task-local destructor failed");
    }
}

grove::task_local! {
    static READS: RefCell<Option<ReadsOnDrop>> = RefCell::new(None);
    static BOMB: RefCell<Option<PanicsOnDrop>> = RefCell::new(None);
}

#[test]
fn regression_task_local_destructors_run_as_their_task_and_may_panic() {
    grove::run(async {
        let task = grove::spawn(async {
            COUNTER.with(|c| c.set(7));
            READS.with(|r| *r.borrow_mut() = Some(ReadsOnDrop));
            BOMB.with(|b| *b.borrow_mut() = Some(PanicsOnDrop));
            "done"
        });
        // The joiner is still woken, and the runtime goes on.
        assert_eq!(task.await.unwrap(), "done");
        assert_eq!(
            SEEN_IN_DROP.with(|s| s.get()),
            7,
            "the destructor saw its own task's value"
        );
        assert_eq!(grove::spawn(async { 1 }).await.unwrap(), 1);
    });
}

/// Records the `COUNTER` it sees when dropped.
struct ReadsCounterOnDrop(std::rc::Rc<Cell<Option<u32>>>);

impl Drop for ReadsCounterOnDrop {
    fn drop(&mut self) {
        self.0.set(Some(COUNTER.with(|c| c.get())));
    }
}

/// A `block_on` future that keeps state past a panic (a `join` holding the
/// output of the half that finished) is dropped as the `block_on` task, as
/// a spawned task's future is: a destructor there that reads a task-local
/// sees the task's value instead of panicking during the unwind (which
/// aborted the process).
#[test]
fn a_block_on_future_is_dropped_as_its_task_after_a_panic() {
    let seen = std::rc::Rc::new(Cell::new(None));
    let rt = grove::Runtime::new().unwrap();
    let done = {
        let seen = seen.clone();
        async move {
            COUNTER.with(|c| c.set(3));
            ReadsCounterOnDrop(seen)
        }
    };
    let fails = async {
        grove::yield_now().await;
        panic!("the other half fails");
    };
    let joined = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(futures::future::join(done, fails))
    }));
    assert!(joined.is_err());
    assert_eq!(seen.get(), Some(3), "the destructor saw the block_on task's value");
}
