//! The blocked-loop monitor: it names a task that blocks the loop, while
//! it blocks, and stays quiet for short polls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use grove::Runtime;
use grove::runtime::Stall;

mod util;

/// A runtime whose monitor reports into the returned log.
fn monitored(limit: Duration) -> (Runtime, Arc<Mutex<Vec<Stall>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let reports = log.clone();
    let rt = Runtime::builder()
        .max_blocking_time(limit)
        .on_blocked(move |stall: &Stall| reports.lock().unwrap().push(stall.clone()))
        .build()
        .unwrap();
    (rt, log)
}

#[test]
fn names_a_task_that_blocks_while_it_blocks() {
    let (rt, log) = monitored(Duration::from_millis(50));
    let seen_while_blocked = Arc::new(Mutex::new(Vec::new()));
    let spawn_line = line!() + 3;
    let (id, seen) = rt.block_on(async {
        let (log, seen) = (log.clone(), seen_while_blocked.clone());
        let blocker = grove::task::Builder::new().name("blocker").spawn(async move {
            // Eight times the limit: the monitor thread, sampling every
            // 5 ms, may be held off the CPU for a good part of it.
            std::thread::sleep(Duration::from_millis(400));
            // Still inside the poll: what the monitor said meanwhile.
            seen.lock().unwrap().extend(log.lock().unwrap().iter().cloned());
        });
        let id = blocker.id();
        blocker.await.unwrap();
        (id, seen_while_blocked.lock().unwrap().clone())
    });
    drop(rt); // stops the monitor, after its last sample

    assert_eq!(seen.len(), 1, "one report while blocked: {seen:?}");
    let live = &seen[0];
    assert_eq!(
        (live.task, live.name.as_deref(), live.over),
        (id, Some("blocker"), false)
    );
    assert!(live.elapsed >= Duration::from_millis(50), "{live:?}");
    let location = live.spawned_at.expect("the monitor keeps spawn locations");
    assert_eq!((location.file(), location.line()), (file!(), spawn_line));

    let log = log.lock().unwrap();
    let over: Vec<_> = log.iter().filter(|s| s.over).collect();
    assert_eq!(over.len(), 1, "{log:?}");
    assert_eq!(over[0].task, id);
    assert!(over[0].elapsed >= Duration::from_millis(250), "{:?}", over[0]);
    assert!(over[0].to_string().contains("\"blocker\""));
}

#[test]
fn reports_each_stall_once_and_its_end_once() {
    let (rt, log) = monitored(Duration::from_millis(40));
    let ids = rt.block_on(async {
        let mut ids = Vec::new();
        for name in ["first", "second"] {
            let task = grove::task::Builder::new().name(name).spawn(async {
                std::thread::sleep(Duration::from_millis(150));
            });
            ids.push(task.id());
            task.await.unwrap();
            // Some short polls in between: the loop is healthy again.
            grove::sleep(Duration::from_millis(30)).await;
        }
        ids
    });
    drop(rt);
    let log = log.lock().unwrap();
    for id in ids {
        let live = log.iter().filter(|s| s.task == id && !s.over).count();
        let over = log.iter().filter(|s| s.task == id && s.over).count();
        assert_eq!((live, over), (1, 1), "task {id}: {log:?}");
    }
    assert_eq!(log.len(), 4, "{log:?}");
}

/// A killed task's destructors run on the loop too: one that blocks is
/// reported under that task, not under the last one polled.
#[test]
fn names_a_killed_task_whose_destructor_blocks() {
    struct SlowDrop;
    impl Drop for SlowDrop {
        fn drop(&mut self) {
            std::thread::sleep(Duration::from_millis(400));
        }
    }
    let (rt, log) = monitored(Duration::from_millis(50));
    let id = rt.block_on(async {
        let doomed = grove::task::Builder::new().name("doomed").spawn(async {
            let _slow = SlowDrop;
            std::future::pending::<()>().await;
        });
        grove::yield_now().await;
        let id = doomed.id();
        doomed.kill();
        assert!(doomed.await.unwrap_err().is_killed());
        id
    });
    drop(rt);
    let log = log.lock().unwrap();
    // A loaded machine can hold the loop off the CPU during another poll,
    // which is then reported too; the destructor's 400 ms must be the
    // killed task's.
    assert!(
        log.iter().any(|s| s.task == id && s.name.as_deref() == Some("doomed")),
        "the blocking destructor went unreported: {log:?}"
    );
    assert!(
        log.iter()
            .all(|s| s.task == id || s.elapsed < Duration::from_millis(300)),
        "{log:?}"
    );
}

#[test]
fn names_the_block_on_future_when_it_blocks() {
    let (rt, log) = monitored(Duration::from_millis(30));
    rt.block_on(async { std::thread::sleep(Duration::from_millis(120)) });
    drop(rt);
    let log = log.lock().unwrap();
    assert!(!log.is_empty());
    assert!(log.iter().all(|s| s.name.as_deref() == Some("block_on")), "{log:?}");
    assert_eq!(log[0].spawned_at.unwrap().file(), file!());
}

#[test]
fn is_silent_for_a_busy_loop_of_short_polls() {
    let (rt, log) = monitored(Duration::from_millis(100));
    rt.block_on(async {
        let start = std::time::Instant::now();
        let workers: Vec<_> = (0..200)
            .map(|_| {
                grove::spawn(async move {
                    while start.elapsed() < Duration::from_millis(400) {
                        // A little work per poll, far below the limit.
                        std::hint::black_box((0..1000u64).sum::<u64>());
                        grove::yield_now().await;
                    }
                })
            })
            .collect();
        grove::joinall(workers).await;
    });
    let longest = rt.metrics().longest_poll;
    drop(rt);
    assert!(log.lock().unwrap().is_empty(), "{:?}", log.lock().unwrap());
    // Polls this short are below the monitor's resolution.
    assert!(
        longest.as_ref().is_none_or(|l| l.duration < Duration::from_millis(100)),
        "{longest:?}"
    );
}

#[test]
fn an_idle_loop_is_not_a_stall() {
    let (rt, log) = monitored(Duration::from_millis(20));
    rt.block_on(grove::sleep(Duration::from_millis(150)));
    drop(rt);
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn the_longest_poll_is_in_the_metrics() {
    let (rt, _log) = monitored(Duration::from_millis(500));
    rt.block_on(async {
        grove::task::Builder::new()
            .name("slow")
            .spawn(async { std::thread::sleep(Duration::from_millis(300)) })
            .await
            .unwrap();
        // The monitor records the poll at its first sample after it ended.
        util::gate::eventually("the monitor records the slow poll", || {
            grove::runtime::metrics().longest_poll.is_some()
        })
        .await;
    });
    let longest = rt.metrics().longest_poll.expect("recorded above");
    assert_eq!(longest.name.as_deref(), Some("slow"));
    // Known to a sampling period (10 ms), if the monitor thread kept to it.
    assert!(longest.duration >= Duration::from_millis(200), "{longest:?}");
}

/// A callback's panic whose payload panics again when dropped must not end
/// the monitor: the stall after it is still reported.
#[test]
fn a_callback_panic_that_panics_when_dropped_does_not_stop_the_monitor() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("the payload's drop panics too");
        }
    }
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let rt = Runtime::builder()
        .max_blocking_time(Duration::from_millis(50))
        .on_blocked(move |_: &Stall| {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                std::panic::panic_any(Bomb);
            }
        })
        .build()
        .unwrap();
    rt.block_on(async {
        std::thread::sleep(Duration::from_millis(400));
        grove::sleep(Duration::from_millis(20)).await;
        std::thread::sleep(Duration::from_millis(400));
    });
    drop(rt);
    let calls = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!(calls >= 3, "{calls} reports: the monitor stopped after the first");
}
