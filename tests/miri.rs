//! The task cell's unsafe code, exercised for Miri (`.ci/run` runs this
//! file under `cargo +nightly miri test`): cells made, polled, killed,
//! joined and freed; wakers and remote join handles released on other
//! threads; spawns from other threads; outputs kept past the runtime's drop; cells carved and reused
//! across size classes; and task and foreign wakers kept in one word by
//! timers and joiners. The
//! tests also run as ordinary tests; they are small, since Miri runs them
//! about a thousand times slower.

use std::cell::Cell;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

/// A future that waits once, leaving its waker on `board`.
async fn wait_once(board: Arc<Mutex<Option<Waker>>>) {
    let mut waited = false;
    poll_fn(|cx| {
        if waited {
            return Poll::Ready(());
        }
        waited = true;
        *board.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

#[test]
fn tasks_are_spawned_polled_killed_and_joined() {
    let rt = grove::Runtime::new().unwrap();
    let dropped = Rc::new(Cell::new(0));
    rt.block_on(async {
        struct Guard(Rc<Cell<u32>>);
        impl Drop for Guard {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let quick = grove::spawn(async { String::from("done") });
        let never = {
            let guard = Guard(dropped.clone());
            grove::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            })
        };
        let unstarted = {
            let guard = Guard(dropped.clone());
            grove::spawn(async move { drop(guard) })
        };
        unstarted.kill();
        grove::yield_now().await;
        never.kill();
        assert_eq!(quick.await.unwrap(), "done");
        assert!(never.await.unwrap_err().is_killed());
        assert!(unstarted.await.unwrap_err().is_killed());
        let panicked = grove::spawn(async { panic!("inside a task") });
        assert!(panicked.await.unwrap_err().is_panic());
    });
    assert_eq!(dropped.get(), 2, "both killed futures were dropped");
}

#[test]
fn a_waker_released_on_another_thread_frees_the_cell_there() {
    let board = Arc::new(Mutex::new(None));
    let rt = grove::Runtime::new().unwrap();
    let task = grove::spawn(wait_once(board.clone()));
    rt.run_until_stalled();
    let waker = board.lock().unwrap().take().unwrap();
    // Woken and dropped on another thread: the wake crosses through the
    // inject queue, and the waker's reference is given back there.
    std::thread::spawn(move || waker.wake()).join().unwrap();
    rt.block_on(task).unwrap();
    // A waker outliving its runtime is given back on another thread too.
    let task = grove::spawn(wait_once(board.clone()));
    rt.run_until_stalled();
    let waker = board.lock().unwrap().take().unwrap();
    drop((task, rt));
    std::thread::spawn(move || {
        waker.wake_by_ref();
        drop(waker);
    })
    .join()
    .unwrap();
}

#[test]
fn an_output_outlives_the_runtime_in_its_handle() {
    let rt = grove::Runtime::new().unwrap();
    let task = grove::spawn(async { vec![1, 2, 3] });
    rt.run_until_stalled();
    drop(rt);
    assert_eq!(futures::executor::block_on(task).unwrap(), [1, 2, 3]);
}

#[test]
fn carved_cells_serve_tasks_of_every_size_class() {
    let rt = grove::Runtime::new().unwrap();
    rt.block_on(async {
        for round in 0..3 {
            let mut tasks = Vec::new();
            macro_rules! sized {
                ($($n:literal)*) => {$(
                    let payload = [round as u8; $n];
                    tasks.push(grove::spawn(async move {
                        grove::yield_now().await;
                        payload.iter().map(|&b| b as usize).sum::<usize>()
                    }));
                )*};
            }
            sized!(1 8 24 40 64 100 200 300 500 700);
            for task in tasks {
                task.await.unwrap();
            }
        }
    });
}

#[test]
fn tasks_spawned_from_another_thread_run_and_report() {
    let rt = grove::Runtime::new().unwrap();
    let handle = rt.handle();
    let task = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
        .join()
        .unwrap();
    assert_eq!(rt.block_on(task).unwrap(), 42);
    let handle = rt.handle();
    drop(rt);
    let late = handle.spawn(async { 1 });
    assert!(futures::executor::block_on(late).unwrap_err().is_killed());
}

/// A remote task's result lives in its cell, which its handle keeps: the
/// cell is freed by whichever lets go last, on either thread, with or
/// without a result left in it.
#[test]
fn remote_handles_keep_their_cells_and_free_them_on_any_thread() {
    let rt = grove::Runtime::new().unwrap();
    let handle = rt.handle();
    // Handle dropped on another thread before the task runs.
    let spawner = handle.clone();
    std::thread::spawn(move || drop(spawner.spawn(async { String::from("unread") })))
        .join()
        .unwrap();
    // Task finished, result never taken, handle dropped on another thread.
    let finished = handle.spawn(async { String::from("dropped unread") });
    let panicked = handle.spawn(async { panic!("inside a remote task") });
    rt.run_until_stalled();
    assert!(finished.is_finished() && panicked.is_finished());
    std::thread::spawn(move || drop((finished, panicked))).join().unwrap();
    // Killed from another thread, joined from a third.
    let pending = handle.spawn(std::future::pending::<()>());
    rt.run_until_stalled();
    let pending = std::thread::spawn(move || {
        pending.kill();
        pending
    })
    .join()
    .unwrap();
    rt.run_until_stalled();
    let killed = std::thread::spawn(move || futures::executor::block_on(pending))
        .join()
        .unwrap();
    assert!(killed.unwrap_err().is_killed());
    // Killed and dropped on the runtime's thread before the runtime took
    // the spawn in.
    let early = handle.spawn(async { String::from("never made") });
    early.kill();
    drop(early);
    rt.run_until_stalled();
    rt.block_on(async {
        let inside = handle.spawn(async { String::from("never made") });
        inside.kill();
        drop(inside);
        grove::task::yield_now().await;
    });
    // Outliving the runtime, then dropped elsewhere.
    let orphan = handle.spawn(std::future::pending::<()>());
    drop(rt);
    assert!(orphan.is_finished());
    std::thread::spawn(move || drop(orphan)).join().unwrap();
}

/// Two threads spawn through a handle while the runtime waits for their
/// tasks, and for nothing else: each spawn crosses through a spawn lane,
/// and only the spawns' own pushes can wake the waiting runtime. A lost
/// wake shows as a deadlock under Miri (with its weak-memory emulation),
/// and as the timeout natively.
#[test]
fn spawns_from_two_threads_reach_a_waiting_runtime() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PER_THREAD: usize = 4;
    let rt = grove::Runtime::new().unwrap();
    let (done, all_ran) = futures::channel::oneshot::channel();
    let done = Arc::new(Mutex::new(Some(done)));
    let left = Arc::new(AtomicUsize::new(2 * PER_THREAD));
    let spawners: Vec<_> = (0..2)
        .map(|_| {
            let (handle, done, left) = (rt.handle(), done.clone(), left.clone());
            std::thread::spawn(move || {
                for _ in 0..PER_THREAD {
                    let (done, left) = (done.clone(), left.clone());
                    // Detached: the task's end is told by the countdown.
                    drop(handle.spawn(async move {
                        if left.fetch_sub(1, Ordering::Relaxed) == 1 {
                            done.lock().unwrap().take().unwrap().send(()).unwrap();
                        }
                    }));
                }
            })
        })
        .collect();
    let ran = if cfg!(miri) {
        // Miri reports a lost wake as a deadlock. A timer would hide it:
        // the loop would look at the flag each time it fired.
        Some(rt.block_on(all_ran))
    } else {
        rt.block_on(grove::timeout(std::time::Duration::from_secs(30), all_ran))
            .ok()
    };
    assert!(
        matches!(ran, Some(Ok(()))),
        "the runtime slept through spawns from other threads"
    );
    spawners.into_iter().for_each(|s| s.join().unwrap());
    assert_eq!(left.load(Ordering::Relaxed), 0);
}

#[test]
fn repeated_wakes_from_threads_merge_and_the_task_still_runs() {
    let board = Arc::new(Mutex::new(None));
    let rt = grove::Runtime::new().unwrap();
    let task = grove::spawn(wait_once(board.clone()));
    rt.run_until_stalled();
    let waker = board.lock().unwrap().take().unwrap();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let waker = waker.clone();
            std::thread::spawn(move || {
                for _ in 0..3 {
                    waker.wake_by_ref();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    drop(waker);
    rt.block_on(task).unwrap();
}

#[test]
fn timers_and_joiners_keep_task_wakers_and_foreign_ones() {
    use std::time::Duration;
    grove::run(async {
        // Task wakers in timer slots: one sleep fires, one timeout is
        // cancelled by its future finishing first.
        let sleeper = grove::spawn(async {
            grove::sleep(Duration::from_millis(1)).await;
            1
        });
        let beaten = grove::spawn(async { grove::timeout(Duration::from_secs(60), async { 2 }).await.unwrap() });
        // A foreign waker (the main future's) in a timer slot.
        grove::sleep(Duration::from_millis(2)).await;
        // A task's waker as the joiner of two other tasks, and a foreign
        // one as the joiner of a task that has yet to finish.
        let joiner = grove::spawn(async move { sleeper.await.unwrap() + beaten.await.unwrap() });
        let late = grove::spawn(async {
            grove::sleep(Duration::from_millis(1)).await;
            4
        });
        assert_eq!(late.await.unwrap() + joiner.await.unwrap(), 7);
    });
}
