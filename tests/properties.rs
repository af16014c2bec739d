//! Property tests: random interleavings of operations and cancellations on
//! a Queue and a Semaphore, checked against what a model says must hold.
//! The runtime is driven step by step with `run_until_stalled`, so each case
//! is deterministic and replays from its seed.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use grove::queue::{Channel, Queue, QueueOf};
use grove::sync::{BoundedSemaphore, Permit};
use grove::{JoinHandle, Runtime};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum QueueOp {
    /// A task that puts the next item.
    SpawnPut,
    /// A task that gets one item.
    SpawnGet,
    TryPut,
    TryGet,
    /// Kill the n-th task still running (putter or getter).
    Kill(usize),
    /// Let every task run until none can go on.
    Run,
}

fn queue_op() -> impl Strategy<Value = QueueOp> {
    prop_oneof![
        3 => Just(QueueOp::SpawnPut),
        3 => Just(QueueOp::SpawnGet),
        2 => Just(QueueOp::TryPut),
        2 => Just(QueueOp::TryGet),
        2 => any::<usize>().prop_map(QueueOp::Kill),
        3 => Just(QueueOp::Run),
    ]
}

/// A task putting one item.
type PutTask = JoinHandle<Result<(), grove::queue::Closed<u32>>>;

/// Runs `ops` on `queue` and checks that every item put comes out exactly
/// once, and none that was not put.
fn check_queue<O: grove::queue::Order<u32> + 'static>(
    queue: QueueOf<u32, O>,
    ops: Vec<QueueOp>,
) -> Result<(), TestCaseError> {
    let rt = Runtime::new().unwrap();
    let next_item = Cell::new(0u32);
    // Items whose put certainly completed, and items that certainly did not
    // go in (a try_put refused, a put refused by close).
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    // Items a killed putter may or may not have delivered.
    let mut maybe: Vec<u32> = Vec::new();
    let received: Rc<RefCell<Vec<u32>>> = Rc::default();
    let mut putters: Vec<(u32, PutTask)> = Vec::new();
    let mut getters: Vec<JoinHandle<()>> = Vec::new();
    let fresh = || {
        next_item.set(next_item.get() + 1);
        next_item.get()
    };
    for op in ops {
        match op {
            QueueOp::SpawnPut => {
                let (q, item) = (queue.clone(), fresh());
                putters.push((item, grove::spawn(async move { q.put(item).await })));
            }
            QueueOp::SpawnGet => {
                let (q, got) = (queue.clone(), received.clone());
                getters.push(grove::spawn(async move {
                    if let Ok(item) = q.get().await {
                        got.borrow_mut().push(item);
                    }
                }));
            }
            QueueOp::TryPut => {
                let item = fresh();
                match queue.try_put(item) {
                    Ok(()) => accepted.push(item),
                    Err(grove::queue::Full(back)) => {
                        prop_assert_eq!(back, item);
                        refused.push(item);
                    }
                }
            }
            QueueOp::TryGet => {
                if let Ok(item) = queue.try_get() {
                    received.borrow_mut().push(item);
                }
            }
            QueueOp::Kill(n) => {
                let running = putters.len() + getters.len();
                if running > 0 {
                    let n = n % running;
                    if n < putters.len() {
                        let (item, task) = putters.remove(n);
                        task.kill();
                        match rt.block_on(task) {
                            Ok(Ok(())) => accepted.push(item),
                            Ok(Err(_)) => refused.push(item),
                            Err(_) => maybe.push(item),
                        }
                    } else {
                        let task = getters.remove(n - putters.len());
                        task.kill();
                        drop(rt.block_on(task));
                    }
                }
            }
            QueueOp::Run => rt.run_until_stalled(),
        }
    }
    // Close: waiting putters are refused, waiting getters end; then drain.
    queue.close();
    rt.run_until_stalled();
    let hung =
        putters.iter().filter(|(_, t)| !t.is_finished()).count() + getters.iter().filter(|t| !t.is_finished()).count();
    prop_assert_eq!(hung, 0, "tasks still waiting after close");
    for (item, task) in putters {
        match rt.block_on(task) {
            Ok(Ok(())) => accepted.push(item),
            Ok(Err(_)) => refused.push(item),
            Err(_) => maybe.push(item),
        }
    }
    for task in getters {
        rt.block_on(task).unwrap();
    }
    while let Ok(item) = queue.try_get() {
        received.borrow_mut().push(item);
    }
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for &item in received.borrow().iter() {
        *counts.entry(item).or_default() += 1;
    }
    for (item, count) in &counts {
        prop_assert_eq!(*count, 1, "item {} came out {} times", item, count);
        prop_assert!(!refused.contains(item), "refused item {} came out", item);
        prop_assert!(
            accepted.contains(item) || maybe.contains(item),
            "item {} came from nowhere",
            item
        );
    }
    for item in &accepted {
        prop_assert!(counts.contains_key(item), "accepted item {} was lost", item);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn queues_neither_lose_nor_duplicate_items(cap in 1usize..4, ops in prop::collection::vec(queue_op(), 1..60)) {
        check_queue(Queue::bounded(cap), ops.clone())?;
        check_queue(Queue::new(), ops)?;
    }

    #[test]
    fn channels_neither_lose_nor_duplicate_items(ops in prop::collection::vec(queue_op(), 1..60)) {
        check_queue(Channel::new(), ops)?;
    }

    #[test]
    fn semaphore_permits_are_conserved(permits in 1usize..4, ops in prop::collection::vec(sem_op(), 1..60)) {
        check_semaphore(permits, ops)?;
    }
}

#[derive(Debug, Clone)]
enum SemOp {
    /// A task that acquires, holds for some turns, and releases.
    Spawn(u8),
    /// Take a permit without waiting and hold it here.
    TryAcquire,
    /// Give back a permit held here.
    Release,
    Kill(usize),
    Run,
}

fn sem_op() -> impl Strategy<Value = SemOp> {
    prop_oneof![
        4 => (0u8..3).prop_map(SemOp::Spawn),
        2 => Just(SemOp::TryAcquire),
        2 => Just(SemOp::Release),
        2 => any::<usize>().prop_map(SemOp::Kill),
        3 => Just(SemOp::Run),
    ]
}

/// Counts the permits held by tasks; decremented when a holder's permit is
/// dropped, whether it finished or was killed.
struct Held(Rc<Cell<usize>>, #[allow(dead_code)] Permit);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

fn check_semaphore(permits: usize, ops: Vec<SemOp>) -> Result<(), TestCaseError> {
    let rt = Runtime::new().unwrap();
    let sem = BoundedSemaphore::new(permits);
    let in_tasks = Rc::new(Cell::new(0usize));
    let mut here: Vec<Permit> = Vec::new();
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    for op in ops {
        match op {
            SemOp::Spawn(turns) => {
                let (sem, in_tasks) = (sem.clone(), in_tasks.clone());
                tasks.push(grove::spawn(async move {
                    let permit = sem.acquire().await;
                    in_tasks.set(in_tasks.get() + 1);
                    let _held = Held(in_tasks, permit);
                    for _ in 0..turns {
                        grove::yield_now().await;
                    }
                }));
            }
            SemOp::TryAcquire => here.extend(sem.try_acquire()),
            SemOp::Release => drop(here.pop()),
            SemOp::Kill(n) if !tasks.is_empty() => {
                let task = tasks.remove(n % tasks.len());
                task.kill();
                drop(rt.block_on(task));
            }
            SemOp::Kill(_) => {}
            SemOp::Run => rt.run_until_stalled(),
        }
        // A permit is free, held here, held by a task, or on its way to a
        // woken waiter that has not run yet: never more than there are.
        prop_assert!(sem.available() + here.len() + in_tasks.get() <= permits);
    }
    here.clear();
    // Tasks only yield: once nothing is held here, they all run to the end
    // unless a permit leaked and one of them waits forever.
    rt.run_until_stalled();
    prop_assert!(
        tasks.iter().all(JoinHandle::is_finished),
        "a task never got a permit: one leaked"
    );
    prop_assert_eq!(in_tasks.get(), 0);
    prop_assert_eq!(sem.available(), permits, "a permit leaked");
    prop_assert!(sem.release().is_err());
    Ok(())
}
