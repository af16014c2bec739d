//! Work that crosses threads, run side by side on grove, tokio
//! (current_thread, with its I/O driver on as a server's runtime has it, so
//! that it too parks in epoll) and smol, and OS threads where they fit.
//! Each workload runs in 5 interleaved rounds and is reported as the
//! median with its spread: with more threads than the two cores, figures
//! swing from run to run.
//!
//! - remote_spawn: 8 threads each spawn 100k tasks onto one runtime
//!   through its handle (`Handle::spawn`; smol's multi-threaded
//!   `Executor`, driven by one thread), until all have run.
//! - oneshot_pingpong: a task and an OS thread trade messages: the task
//!   sends a request over a std channel, the thread answers on a
//!   `futures::channel::oneshot`, whose wake-up crosses to the runtime.
//!   The threads row has a second OS thread in place of the task.
//!
//! Run: `cargo bench --bench cross_thread`.

mod support;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use async_executor::{Executor, LocalExecutor};
use futures::channel::oneshot;
use support::{CONTENDERS, Round, interleaved, print_spread, smol_local};

const SPAWNERS: usize = 8;
const SPAWNS_PER_THREAD: usize = 100_000;
const ROUND_TRIPS: u64 = 20_000;
const ROUNDS: usize = 5;

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Counts tasks down, and says so on a oneshot when the last has run.
struct Countdown {
    left: AtomicUsize,
    done: Mutex<Option<oneshot::Sender<()>>>,
}

impl Countdown {
    fn new(n: usize) -> (Arc<Countdown>, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let countdown = Countdown {
            left: AtomicUsize::new(n),
            done: Mutex::new(Some(tx)),
        };
        (Arc::new(countdown), rx)
    }

    fn tick(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.done.lock().unwrap().take().unwrap().send(());
        }
    }
}

/// Time per task, in ns, of [`SPAWNERS`] threads each calling `spawn` with
/// [`SPAWNS_PER_THREAD`] tasks while this thread runs `drive` until all
/// have run.
fn remote_spawn<S, D>(spawn: S, drive: D) -> f64
where
    S: Fn(Arc<Countdown>) + Sync,
    D: FnOnce(oneshot::Receiver<()>),
{
    let total = SPAWNERS * SPAWNS_PER_THREAD;
    let (countdown, done) = Countdown::new(total);
    let started = Instant::now();
    thread::scope(|s| {
        for _ in 0..SPAWNERS {
            let countdown = countdown.clone();
            let spawn = &spawn;
            s.spawn(move || {
                for _ in 0..SPAWNS_PER_THREAD {
                    spawn(countdown.clone());
                }
            });
        }
        drive(done);
    });
    started.elapsed().as_nanos() as f64 / total as f64
}

fn remote_spawn_rounds() -> BTreeMap<&'static str, Vec<f64>> {
    let rt = grove::Runtime::new().unwrap();
    let handle = rt.handle();
    let tokio_rt = tokio_runtime();
    let tokio_handle = tokio_rt.handle().clone();
    let ex = Executor::new();
    let mut contenders: Vec<Round<'_>> = vec![
        (
            "grove",
            Box::new(|| {
                remote_spawn(
                    |c| drop(handle.spawn(async move { c.tick() })),
                    |done| rt.block_on(done).unwrap(),
                )
            }),
        ),
        (
            "tokio",
            Box::new(|| {
                remote_spawn(
                    |c| drop(tokio_handle.spawn(async move { c.tick() })),
                    |done| tokio_rt.block_on(done).unwrap(),
                )
            }),
        ),
        (
            "smol",
            Box::new(|| {
                remote_spawn(
                    |c| ex.spawn(async move { c.tick() }).detach(),
                    |done| async_io::block_on(ex.run(done)).unwrap(),
                )
            }),
        ),
    ];
    measure(&mut contenders)
}

/// A request to the answering thread, with where the answer goes.
type Request = (u64, oneshot::Sender<u64>);

/// A thread that answers every request with its own number.
fn answerer() -> Sender<Request> {
    let (tx, rx) = channel::<Request>();
    thread::spawn(move || {
        for (n, answer) in rx {
            let _ = answer.send(n);
        }
    });
    tx
}

/// [`ROUND_TRIPS`] requests to `answerer`, each awaited before the next.
async fn ping_pong(answerer: &Sender<Request>) {
    for i in 0..ROUND_TRIPS {
        let (tx, rx) = oneshot::channel();
        answerer.send((i, tx)).unwrap();
        black_box(rx.await.unwrap());
    }
}

/// Time per round trip of `run`, in ns.
fn per_round_trip(run: impl FnOnce()) -> f64 {
    let started = Instant::now();
    run();
    started.elapsed().as_nanos() as f64 / ROUND_TRIPS as f64
}

fn pingpong_rounds() -> BTreeMap<&'static str, Vec<f64>> {
    let rt = grove::Runtime::new().unwrap();
    let tokio_rt = tokio_runtime();
    let ex: LocalExecutor<'static> = LocalExecutor::new();
    let answers = [answerer(), answerer(), answerer(), answerer()];
    let [grove, tokio, smol, threads] = &answers;
    let mut contenders: Vec<Round<'_>> = vec![
        ("grove", Box::new(|| per_round_trip(|| rt.block_on(ping_pong(grove))))),
        (
            "tokio",
            Box::new(|| per_round_trip(|| tokio_rt.block_on(ping_pong(tokio)))),
        ),
        ("smol", Box::new(|| per_round_trip(|| smol_local(&ex, ping_pong(smol))))),
        (
            "threads",
            Box::new(|| per_round_trip(|| futures::executor::block_on(ping_pong(threads)))),
        ),
    ];
    measure(&mut contenders)
}

/// One uncounted round to warm every contender up, then [`ROUNDS`].
fn measure(contenders: &mut [Round<'_>]) -> BTreeMap<&'static str, Vec<f64>> {
    interleaved(1, contenders);
    interleaved(ROUNDS, contenders)
}

fn main() {
    let rows = BTreeMap::from([
        ("remote_spawn".to_owned(), remote_spawn_rounds()),
        ("oneshot_pingpong".to_owned(), pingpong_rounds()),
    ]);
    print_spread(
        &format!("Time per task or round trip: median of {ROUNDS} interleaved rounds (lowest–highest)"),
        "ns",
        &CONTENDERS,
        &rows,
    );
}
