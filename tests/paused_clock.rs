//! The paused clock: timeouts and intervals of hours run in no time, with
//! exactly the expected ticks, and I/O still works.

use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::Runtime;
use grove::time::{advance, now};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build().unwrap()
}

#[test]
fn an_hour_long_timeout_runs_in_no_time() {
    let rt = paused();
    let real = Instant::now();
    let waited = rt.block_on(async {
        let start = now();
        let result = grove::timeout(HOUR, std::future::pending::<()>()).await;
        assert!(result.is_err());
        now() - start
    });
    assert_eq!(waited, HOUR);
    assert!(real.elapsed() < Duration::from_secs(5), "{:?}", real.elapsed());
}

/// gevent arms `spawn_later`'s timer at the call: the delay counts from
/// there, not from the task's first run.
#[test]
fn spawn_later_counts_its_delay_from_the_call() {
    let rt = paused();
    let waited = rt.block_on(async {
        let start = now();
        let task = grove::spawn_later(MINUTE, async { now() });
        // The clock moves on before the task first runs.
        advance(MINUTE).await;
        task.await.unwrap() - start
    });
    assert_eq!(waited, MINUTE);
}

#[test]
fn a_ten_minute_interval_ticks_exactly_on_time() {
    let rt = paused();
    let real = Instant::now();
    let offsets = rt.block_on(async {
        let start = now();
        let mut every = grove::interval(10 * MINUTE);
        let mut offsets = Vec::new();
        for _ in 0..7 {
            offsets.push(every.tick().await - start);
        }
        offsets
    });
    let expected: Vec<_> = (0..7).map(|n| n * 10 * MINUTE).collect();
    assert_eq!(offsets, expected);
    assert!(real.elapsed() < Duration::from_secs(5));
}

#[test]
fn timers_fire_in_deadline_order_across_tasks() {
    let rt = paused();
    let order = rt.block_on(async {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let tasks: Vec<_> = [50u32, 10, 30, 20, 40]
            .into_iter()
            .map(|minutes| {
                let log = log.clone();
                grove::spawn(async move {
                    grove::sleep(minutes * MINUTE).await;
                    log.borrow_mut().push(minutes);
                })
            })
            .collect();
        grove::joinall(tasks).await;
        log.take()
    });
    assert_eq!(order, [10, 20, 30, 40, 50]);
}

#[test]
fn advance_moves_the_clock_and_runs_what_came_due() {
    let rt = paused();
    rt.block_on(async {
        let start = now();
        let nap = grove::spawn(grove::sleep(30 * MINUTE));
        grove::yield_now().await;
        advance(29 * MINUTE).await;
        assert!(!nap.is_finished());
        advance(MINUTE).await;
        assert!(nap.is_finished());
        assert_eq!(now() - start, 30 * MINUTE);
    });
}

#[test]
fn a_sleep_fixes_its_deadline_when_it_is_called() {
    let rt = paused();
    rt.block_on(async {
        let start = now();
        let nap = grove::sleep(10 * MINUTE);
        advance(4 * MINUTE).await;
        nap.await;
        assert_eq!(now() - start, 10 * MINUTE);
    });
}

#[test]
#[should_panic(expected = "needs a paused clock")]
fn advance_on_a_real_clock_is_refused() {
    grove::run(advance(MINUTE));
}

#[test]
fn io_still_works_with_the_clock_paused() {
    let rt = paused();
    rt.block_on(async {
        let listener = grove::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = grove::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = [0; 5];
            conn.read_exact(&mut buf).await.unwrap();
            // A virtual hour passes at once, with the socket still open.
            grove::sleep(HOUR).await;
            conn.write_all(&buf).await.unwrap();
        });
        let mut client = grove::net::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut echo = [0; 5];
        // Two virtual hours of patience, while the server's real bytes come.
        grove::timeout(2 * HOUR, client.read_exact(&mut echo))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&echo, b"hello");
        server.await.unwrap();
    });
}

#[test]
#[cfg(feature = "blocking")]
fn the_clock_waits_for_a_blocking_job_in_flight() {
    let rt = paused();
    rt.block_on(async {
        let job = grove::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)));
        // Were the clock to jump while the job runs, this would time out.
        grove::timeout(MINUTE, job).await.unwrap().unwrap();
    });
}

#[test]
fn time_now_is_the_real_clock_outside_a_paused_runtime() {
    let before = Instant::now();
    let inside = grove::run(async { now() });
    assert!(inside >= before && inside <= Instant::now());
}
