//! grove as the executor of other code: futures' spawner traits, futures'
//! channels across threads, host loops, and a blocking library API.

mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::stream::{FuturesUnordered, StreamExt};
use futures::task::{LocalSpawn, LocalSpawnExt, Spawn, SpawnExt};
use grove::Runtime;
use grove::compat::LocalSpawner;

/// A helper written only against futures' traits: it fans work out on
/// whatever spawner it is given and gathers the results as they finish.
async fn fan_out<S: LocalSpawn>(spawner: &S, n: u32) -> Vec<u32> {
    let shared = Rc::new(Cell::new(0));
    let running: FuturesUnordered<_> = (0..n)
        .map(|i| {
            let shared = shared.clone();
            spawner
                .spawn_local_with_handle(async move {
                    for _ in 0..i % 3 {
                        // Runtime-agnostic: wakes itself and returns Pending.
                        futures_lite::future::yield_now().await;
                    }
                    shared.set(shared.get() + 1);
                    i * 2
                })
                .unwrap()
        })
        .collect();
    let mut results: Vec<u32> = running.collect().await;
    results.sort_unstable();
    assert_eq!(shared.get(), n);
    results
}

#[test]
fn a_crate_written_against_local_spawn_runs_on_grove() {
    let results = grove::run(async { fan_out(&LocalSpawner::current(), 50).await });
    assert_eq!(results, (0..50).map(|i| i * 2).collect::<Vec<_>>());
}

#[test]
fn local_spawner_and_handle_implement_the_futures_traits() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    assert!(handle.status().is_ok());
    let remote = std::thread::spawn({
        let handle = handle.clone();
        move || handle.spawn_with_handle(async { "from a thread" }).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(rt.block_on(remote), "from a thread");
    let (spawner, local) = rt.block_on(async {
        let spawner = LocalSpawner::current();
        let not_send = Rc::new(41);
        let local = spawner.spawn_local_with_handle(async move { *not_send + 1 }).unwrap();
        (spawner, local.await)
    });
    assert_eq!(local, 42);
    // On another runtime, or with none, spawning fails (and a
    // LocalSpawner cannot leave its thread: it is not Send).
    let rt2 = Runtime::new().unwrap();
    assert!(rt2.block_on(async { spawner.status_local().is_err() && spawner.spawn_local(async {}).is_err() }));
    drop(rt2);
    drop(rt);
    assert!(spawner.status_local().is_err());
    assert!(handle.status().is_err());
    assert!(SpawnExt::spawn(&handle, async {}).is_err());
}

#[cfg(feature = "blocking")]
#[test]
fn futures_channels_cross_the_blocking_pool() {
    grove::run(async {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let (done_tx, done_rx) = oneshot::channel();
        let producers: Vec<_> = (0..4u32)
            .map(|p| {
                let mut tx = tx.clone();
                grove::spawn_blocking(move || {
                    for i in 0..100 {
                        futures::executor::block_on(futures::SinkExt::send(&mut tx, p * 100 + i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        grove::spawn_blocking(move || done_tx.send("pool thread").unwrap());
        let mut seen = Vec::new();
        while let Some(n) = rx.next().await {
            seen.push(n);
        }
        grove::joinall(producers).await.into_iter().for_each(Result::unwrap);
        seen.sort_unstable();
        assert_eq!(seen, (0..400).collect::<Vec<_>>());
        assert_eq!(done_rx.await.unwrap(), "pool thread");
    });
}

#[test]
fn futures_channels_cross_handle_spawn_threads() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let (tx, rx) = mpsc::unbounded::<u32>();
    // Threads spawn tasks onto the runtime; each task sends through the
    // channel, and a oneshot reports back to the threads.
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let (handle, tx) = (handle.clone(), tx.clone());
            std::thread::spawn(move || {
                let (ack_tx, ack_rx) = oneshot::channel();
                drop(handle.spawn(async move {
                    for i in 0..50 {
                        tx.unbounded_send(t * 50 + i).unwrap();
                        grove::yield_now().await;
                    }
                    ack_tx.send(t).unwrap();
                }));
                futures::executor::block_on(ack_rx).unwrap()
            })
        })
        .collect();
    drop(tx);
    let mut seen: Vec<u32> = rt.block_on(rx.collect());
    let acked: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..200).collect::<Vec<_>>());
    assert_eq!(acked, [0, 1, 2, 3]);
}

#[test]
fn tasks_progress_only_through_turn_which_reports_when_no_work_remains() {
    let rt = Runtime::new().unwrap();
    let steps = Rc::new(Cell::new(0));
    let task = {
        let steps = steps.clone();
        grove::spawn(async move {
            for _ in 0..3 {
                steps.set(steps.get() + 1);
                grove::yield_now().await;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(steps.get(), 0, "a task ran without the host turning the runtime");
    let mut turns = 0;
    while rt.turn(Duration::ZERO) {
        turns += 1;
        // Each turn runs each ready task once: one step per turn.
        assert_eq!(steps.get(), turns);
    }
    assert_eq!(steps.get(), 3);
    assert!(task.is_finished());
    assert!(!rt.turn(Duration::ZERO), "no task is left");
}

#[test]
fn the_runtime_fd_turns_readable_on_remote_spawns_and_wakes_and_quiet_after() {
    use std::os::fd::AsRawFd;
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let readable = |timeout_ms| {
        let mut fd = libc::pollfd {
            fd: rt.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `fd` is one valid pollfd.
        unsafe { libc::poll(&mut fd, 1, timeout_ms) == 1 }
    };
    assert!(!readable(0));
    assert_eq!(rt.next_wakeup(), None);
    std::thread::spawn(move || drop(handle.spawn(async {}))).join().unwrap();
    assert!(readable(1000), "a spawn from another thread must show on the fd");
    assert_eq!(rt.next_wakeup(), Some(Duration::ZERO));
    rt.turn(Duration::ZERO);
    rt.turn(Duration::ZERO);
    assert!(!rt.turn(Duration::ZERO));
    // Once the runtime took the wake-up in, the descriptor is quiet again:
    // a host loop watching it must not spin.
    assert!(!readable(0), "the fd stays readable after the wake-up was handled");

    // A waker woken from another thread shows on the descriptor too.
    let (tx, rx) = oneshot::channel::<u8>();
    let task = grove::spawn(rx);
    rt.turn(Duration::ZERO);
    assert!(!readable(0));
    std::thread::spawn(move || tx.send(7).unwrap()).join().unwrap();
    assert!(readable(1000), "a wake from another thread must show on the fd");
    while rt.turn(Duration::ZERO) {}
    assert!(task.is_finished());
    assert!(!readable(0));
}

/// A library function with a blocking API that uses grove inside.
fn concurrent_sum(n: u64) -> u64 {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (1..=n)
            .map(|i| {
                grove::spawn(async move {
                    grove::sleep(Duration::from_millis(1)).await;
                    i
                })
            })
            .collect();
        grove::joinall(tasks).await.into_iter().map(Result::unwrap).sum()
    })
}

#[test]
fn a_blocking_library_api_works_from_plain_and_tokio_threads() {
    assert_eq!(concurrent_sum(10), 55);
    assert_eq!(std::thread::spawn(|| concurrent_sum(20)).join().unwrap(), 210);
    let tokio_rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (from_pool, from_worker) = tokio_rt.block_on(async {
        let from_pool = tokio::task::spawn_blocking(|| concurrent_sum(30)).await.unwrap();
        // Even on tokio's own thread: grove does not look at tokio's context.
        (from_pool, concurrent_sum(5))
    });
    assert_eq!((from_pool, from_worker), (465, 15));
}

#[test]
fn a_blocking_library_api_called_from_a_grove_task_panics_clearly() {
    let payload = std::panic::catch_unwind(|| grove::run(async { concurrent_sum(3) })).unwrap_err();
    let message = util::panic_message(&*payload);
    assert!(
        message.contains("`Runtime::block_on` was called on a thread"),
        "{message}"
    );
}
