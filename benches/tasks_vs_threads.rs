//! Tasks against threads, from a thousand units to a million: grove, tokio
//! (current_thread with a `LocalSet`), smol's `LocalExecutor` and OS threads.
//!
//! - spawn_join: spawn N units that return at once, then join them all.
//!   Time per unit, best of at least three runs.
//! - sleepers: N units sleep 200 ms at once. Resident memory per unit (the
//!   growth of VmRSS from just before spawning to once every unit sleeps)
//!   and the total wall time, one run.
//! - ring: N units in a ring pass one token around ten times, each waking
//!   the next through a channel: time per hop (N * 10 hops), best of at
//!   least three runs. grove uses its rendezvous `queue::Channel`, threads
//!   `std::sync::mpsc::sync_channel(0)`, tokio `mpsc::channel(1)` and smol
//!   `async_channel::bounded(1)`.
//! - tcp_idle: N idle TCP connections on loopback, each server end held by
//!   one grove task (or one thread) parked in a read of a 64-byte buffer;
//!   the client ends are plain std `TcpStream`s held by a separate helper
//!   process, so the server's VmRSS and descriptors hold only its own ends.
//!   Resident memory per connection of the server process (kernel socket
//!   buffers are not in VmRSS, client sockets not in the server), one run.
//!
//! Every cell runs in a fresh child process of this binary, so that no heap
//! or leftover thread of one cell is counted in another. Threads get 64 KiB
//! stacks and stop at 10k; tcp_idle stops where one descriptor per
//! connection (in the server, and again in the client helper) no longer
//! fits under RLIMIT_NOFILE (raised to its hard limit).
//!
//! Run: `cargo bench --bench tasks_vs_threads`. `GROVE_TVT_MAX=10000` caps N
//! for a quick run; `GROVE_TVT_ONLY=ring,sleepers` picks workloads. Prints
//! markdown tables and writes `target/tasks_vs_threads.svg`.

mod support;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::thread::{self, LocalKey};
use std::time::{Duration, Instant};

use support::{CONTENDERS, smol_local, tokio_local, tokio_runtime};

/// The sizes measured, up to `GROVE_TVT_MAX`.
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];
/// More threads than this are not spawned: the table says "capped".
const THREAD_CAP: usize = 10_000;
const THREAD_STACK: usize = 64 << 10;
const NAP: Duration = Duration::from_millis(200);
/// Times the token goes around the ring.
const LAPS: usize = 10;
/// What each idle connection's reader waits to fill.
const READ_BUF: usize = 64;
/// Descriptors kept free besides one per connection.
const FD_MARGIN: usize = 64;
const CHILD_ENV: &str = "GROVE_TVT_CHILD";
/// A child still running after this is killed and its cell reports it.
const CHILD_TIMEOUT: Duration = Duration::from_secs(180);
/// Set (to the server's address) in the helper process that holds
/// tcp_idle's client ends.
const CLIENTS_ENV: &str = "GROVE_TVT_CLIENTS";
/// Set (to the server's pid) with `CLIENTS_ENV`: a helper whose parent is
/// already gone exits at once.
const CLIENTS_PARENT_ENV: &str = "GROVE_TVT_CLIENTS_PARENT";
/// Connections the helper opens per request. The server accepts them all
/// before it asks for more, so the listen backlog never fills.
const CONNECT_BATCH: usize = 64;
/// Client ends bound to one loopback source address before the next
/// (127.0.0.1, then 127.0.0.2, ...), well inside the ephemeral port range
/// (28k ports by default) that each source address has to itself.
const CONNS_PER_SOURCE: usize = 16_000;
/// The longest wait for one connect, one accept, one answer from the
/// helper, or the helper's exit.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// A helper still alive after this exits by itself, whatever happened to
/// its server.
const HELPER_LIFETIME: Duration = Duration::from_secs(CHILD_TIMEOUT.as_secs() + 60);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
    SpawnJoin,
    Sleepers,
    Ring,
    TcpIdle,
}

impl Workload {
    const ALL: [Workload; 4] = [
        Workload::SpawnJoin,
        Workload::Sleepers,
        Workload::Ring,
        Workload::TcpIdle,
    ];

    fn name(self) -> &'static str {
        match self {
            Workload::SpawnJoin => "spawn_join",
            Workload::Sleepers => "sleepers",
            Workload::Ring => "ring",
            Workload::TcpIdle => "tcp_idle",
        }
    }

    fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// What the per-unit figure is.
    fn unit(self) -> &'static str {
        match self {
            Workload::SpawnJoin => "time/unit",
            Workload::Sleepers => "RSS/task",
            Workload::Ring => "time/hop",
            Workload::TcpIdle => "RSS/conn",
        }
    }

    fn is_memory(self) -> bool {
        matches!(self, Workload::Sleepers | Workload::TcpIdle)
    }

    fn contenders(self) -> &'static [&'static str] {
        match self {
            Workload::TcpIdle => &["grove", "threads"],
            _ => &CONTENDERS,
        }
    }
}

/// One cell's result.
#[derive(Clone, Debug)]
struct Figure {
    /// Nanoseconds per unit (or hop), or bytes per unit.
    per_unit: f64,
    /// The timed run's wall time (memory workloads: the whole run).
    wall: Duration,
    /// Memory workloads: VmRSS while every unit waits, in bytes.
    rss: Option<f64>,
    /// Sleepers that had already woken when memory was read.
    early: usize,
}

/// A figure, or why there is none ("capped", a spawn error, "skipped").
type Outcome = Result<Figure, String>;

// ---------------------------------------------------------------------------
// Measurements, each run in a child process.

thread_local! {
    /// Units that have started (been polled once).
    static STARTED: Cell<usize> = const { Cell::new(0) };
    /// Sleepers that have woken.
    static FINISHED: Cell<usize> = const { Cell::new(0) };
}

fn bump(counter: &'static LocalKey<Cell<usize>>) {
    counter.with(|c| c.set(c.get() + 1));
}

fn count(counter: &'static LocalKey<Cell<usize>>) -> usize {
    counter.with(Cell::get)
}

fn rss() -> f64 {
    support::status_bytes("VmRSS:") as f64
}

/// The best of at least three runs, more (up to 300) while they take under
/// half a second in all, so that small N gets many tries.
fn best_of(mut run: impl FnMut() -> Result<Duration, String>) -> Result<Duration, String> {
    let begun = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 3 || (runs < 300 && begun.elapsed() < Duration::from_millis(500)) {
        best = best.min(run()?);
        runs += 1;
    }
    Ok(best)
}

fn timed(best: Duration, units: usize) -> Figure {
    Figure {
        per_unit: best.as_nanos() as f64 / units as f64,
        wall: best,
        rss: None,
        early: 0,
    }
}

fn thread_builder() -> thread::Builder {
    thread::Builder::new().stack_size(THREAD_STACK)
}

fn spawn_join(contender: &str, n: usize) -> Outcome {
    let best = match contender {
        "grove" => {
            let rt = grove::Runtime::new().map_err(|e| e.to_string())?;
            best_of(|| {
                Ok(rt.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..n).map(|i| grove::spawn(async move { black_box(i) })).collect();
                    for task in tasks {
                        black_box(task.await.unwrap());
                    }
                    start.elapsed()
                }))
            })?
        }
        "tokio" => {
            let rt = tokio_runtime();
            best_of(|| {
                Ok(tokio_local(&rt, async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..n)
                        .map(|i| tokio::task::spawn_local(async move { black_box(i) }))
                        .collect();
                    for task in tasks {
                        black_box(task.await.unwrap());
                    }
                    start.elapsed()
                }))
            })?
        }
        "smol" => {
            let ex = async_executor::LocalExecutor::new();
            best_of(|| {
                Ok(smol_local(&ex, async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..n).map(|i| ex.spawn(async move { black_box(i) })).collect();
                    for task in tasks {
                        black_box(task.await);
                    }
                    start.elapsed()
                }))
            })?
        }
        "threads" => best_of(|| {
            let start = Instant::now();
            let mut threads = Vec::with_capacity(n);
            for i in 0..n {
                match thread_builder().spawn(move || black_box(i)) {
                    Ok(t) => threads.push(t),
                    Err(e) => {
                        threads.into_iter().for_each(|t| {
                            let _ = t.join();
                        });
                        return Err(format!("spawn error after {i} threads: {e}"));
                    }
                }
            }
            for t in threads {
                black_box(t.join().unwrap());
            }
            Ok(start.elapsed())
        })?,
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(timed(best, n))
}

/// Memory readings of a sleepers or tcp_idle run.
struct Sample {
    before: f64,
    during: f64,
    wall: Duration,
    early: usize,
}

impl Sample {
    fn figure(self, n: usize) -> Figure {
        Figure {
            per_unit: (self.during - self.before) / n as f64,
            wall: self.wall,
            rss: Some(self.during),
            early: self.early,
        }
    }
}

/// Each sleeper's 200 ms start when it is first polled; memory is read once
/// every one has started.
fn sleepers(contender: &str, n: usize) -> Outcome {
    let tick = Duration::from_millis(1);
    let sample = match contender {
        "grove" => grove::run(async move {
            let before = rss();
            let start = Instant::now();
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    grove::spawn(async {
                        bump(&STARTED);
                        grove::sleep(NAP).await;
                        bump(&FINISHED);
                    })
                })
                .collect();
            while count(&STARTED) < n {
                grove::sleep(tick).await;
            }
            let (during, early) = (rss(), count(&FINISHED));
            for task in tasks {
                task.await.unwrap();
            }
            Sample {
                before,
                during,
                wall: start.elapsed(),
                early,
            }
        }),
        "tokio" => tokio_local(&tokio_runtime(), async move {
            let before = rss();
            let start = Instant::now();
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    tokio::task::spawn_local(async {
                        bump(&STARTED);
                        tokio::time::sleep(NAP).await;
                        bump(&FINISHED);
                    })
                })
                .collect();
            while count(&STARTED) < n {
                tokio::time::sleep(tick).await;
            }
            let (during, early) = (rss(), count(&FINISHED));
            for task in tasks {
                task.await.unwrap();
            }
            Sample {
                before,
                during,
                wall: start.elapsed(),
                early,
            }
        }),
        "smol" => {
            let ex = async_executor::LocalExecutor::new();
            smol_local(&ex, async {
                let before = rss();
                let start = Instant::now();
                let tasks: Vec<_> = (0..n)
                    .map(|_| {
                        ex.spawn(async {
                            bump(&STARTED);
                            async_io::Timer::after(NAP).await;
                            bump(&FINISHED);
                        })
                    })
                    .collect();
                while count(&STARTED) < n {
                    async_io::Timer::after(tick).await;
                }
                let (during, early) = (rss(), count(&FINISHED));
                for task in tasks {
                    task.await;
                }
                Sample {
                    before,
                    during,
                    wall: start.elapsed(),
                    early,
                }
            })
        }
        "threads" => {
            let before = rss();
            let start = Instant::now();
            // Every thread waits here until all exist, then sleeps.
            let barrier = Arc::new(Barrier::new(n + 1));
            let mut threads = Vec::with_capacity(n);
            for i in 0..n {
                let barrier = barrier.clone();
                match thread_builder().spawn(move || {
                    barrier.wait();
                    thread::sleep(NAP);
                }) {
                    Ok(t) => threads.push(t),
                    // The spawned threads wait at the barrier forever; this
                    // child process ends with them.
                    Err(e) => return Err(format!("spawn error after {i} threads: {e}")),
                }
            }
            barrier.wait();
            let during = rss();
            threads.into_iter().for_each(|t| t.join().unwrap());
            Sample {
                before,
                during,
                wall: start.elapsed(),
                early: 0,
            }
        }
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(sample.figure(n))
}

/// The ring's links, turned so that unit `i` gets `(rx_i, tx_{i+1})`.
fn links<S, R>(n: usize, channel: impl Fn() -> (S, R)) -> Vec<(R, S)> {
    let (mut txs, rxs): (Vec<S>, Vec<R>) = (0..n).map(|_| channel()).unzip();
    txs.rotate_left(1);
    rxs.into_iter().zip(txs).collect()
}

/// Unit 0 is the caller: it sends the token to unit 1 and gets it back from
/// unit `n - 1`, `LAPS` times; every send is one hop and adds one to the
/// token. Only the hops are timed, once every unit has started.
fn ring(contender: &str, n: usize) -> Outcome {
    assert!(n >= 2, "a ring needs two units");
    let hops = (n * LAPS) as u64;
    let best = match contender {
        "grove" => {
            let rt = grove::Runtime::new().map_err(|e| e.to_string())?;
            best_of(|| {
                Ok(rt.block_on(async {
                    STARTED.set(0);
                    let mut links = links(n, || {
                        let channel = grove::queue::Channel::<u64>::new();
                        (channel.clone(), channel)
                    })
                    .into_iter();
                    let (from_last, to_first) = links.next().unwrap();
                    let units: Vec<_> = links
                        .map(|(rx, tx)| {
                            grove::spawn(async move {
                                bump(&STARTED);
                                for _ in 0..LAPS {
                                    let token = rx.get().await.unwrap();
                                    tx.put(token + 1).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    while count(&STARTED) < n - 1 {
                        grove::yield_now().await;
                    }
                    let start = Instant::now();
                    let mut token = 0;
                    for _ in 0..LAPS {
                        to_first.put(token + 1).await.unwrap();
                        token = from_last.get().await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(token, hops);
                    for unit in units {
                        unit.await.unwrap();
                    }
                    elapsed
                }))
            })?
        }
        "tokio" => {
            let rt = tokio_runtime();
            best_of(|| {
                Ok(tokio_local(&rt, async {
                    STARTED.set(0);
                    let mut links = links(n, || tokio::sync::mpsc::channel::<u64>(1)).into_iter();
                    let (mut from_last, to_first) = links.next().unwrap();
                    let units: Vec<_> = links
                        .map(|(mut rx, tx)| {
                            tokio::task::spawn_local(async move {
                                bump(&STARTED);
                                for _ in 0..LAPS {
                                    let token = rx.recv().await.unwrap();
                                    tx.send(token + 1).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    while count(&STARTED) < n - 1 {
                        tokio::task::yield_now().await;
                    }
                    let start = Instant::now();
                    let mut token = 0;
                    for _ in 0..LAPS {
                        to_first.send(token + 1).await.unwrap();
                        token = from_last.recv().await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(token, hops);
                    for unit in units {
                        unit.await.unwrap();
                    }
                    elapsed
                }))
            })?
        }
        "smol" => {
            let ex = async_executor::LocalExecutor::new();
            best_of(|| {
                Ok(smol_local(&ex, async {
                    STARTED.set(0);
                    let mut links = links(n, || async_channel::bounded::<u64>(1)).into_iter();
                    let (from_last, to_first) = links.next().unwrap();
                    let units: Vec<_> = links
                        .map(|(rx, tx)| {
                            ex.spawn(async move {
                                bump(&STARTED);
                                for _ in 0..LAPS {
                                    let token = rx.recv().await.unwrap();
                                    tx.send(token + 1).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    while count(&STARTED) < n - 1 {
                        futures_lite::future::yield_now().await;
                    }
                    let start = Instant::now();
                    let mut token = 0;
                    for _ in 0..LAPS {
                        to_first.send(token + 1).await.unwrap();
                        token = from_last.recv().await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(token, hops);
                    for unit in units {
                        unit.await;
                    }
                    elapsed
                }))
            })?
        }
        "threads" => best_of(|| {
            let started = Arc::new(AtomicUsize::new(0));
            let mut links = links(n, || std::sync::mpsc::sync_channel::<u64>(0)).into_iter();
            let (from_last, to_first) = links.next().unwrap();
            let mut units = Vec::with_capacity(n - 1);
            for (i, (rx, tx)) in links.enumerate() {
                let started = started.clone();
                // A unit whose neighbour is gone ends: if a spawn fails,
                // dropping this thread's ends unwinds the whole ring.
                let unit = thread_builder().spawn(move || {
                    started.fetch_add(1, Ordering::Relaxed);
                    for _ in 0..LAPS {
                        let Ok(token) = rx.recv() else { return };
                        if tx.send(token + 1).is_err() {
                            return;
                        }
                    }
                });
                match unit {
                    Ok(unit) => units.push(unit),
                    Err(e) => {
                        drop((from_last, to_first));
                        units.into_iter().for_each(|t| {
                            let _ = t.join();
                        });
                        return Err(format!("spawn error after {i} threads: {e}"));
                    }
                }
            }
            while started.load(Ordering::Relaxed) < n - 1 {
                thread::sleep(Duration::from_millis(1));
            }
            let start = Instant::now();
            let mut token = 0;
            for _ in 0..LAPS {
                to_first.send(token + 1).unwrap();
                token = from_last.recv().unwrap();
            }
            let elapsed = start.elapsed();
            assert_eq!(token, hops);
            units.into_iter().for_each(|t| t.join().unwrap());
            Ok(elapsed)
        })?,
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(timed(best, n * LAPS))
}

/// The client ends of tcp_idle's connections, held by a helper process
/// (this binary with `CLIENTS_ENV` set; see `clients_main`), so that the
/// server's VmRSS and descriptors hold only the server ends.
///
/// The helper speaks in lines. It prints `READY` once started; each
/// `connect K` on its stdin makes it open K more connections and print
/// `connected TOTAL` (or `ERR reason` and exit); when its stdin closes it
/// closes every client end and exits. Dropping this kills and reaps it.
struct Clients {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The helper's stdout, line by line, from a reader thread.
    lines: mpsc::Receiver<String>,
}

impl Clients {
    /// Starts the helper for a server at `addr` and waits until it is ready.
    /// Call it from a thread that outlives the helper (it dies with the
    /// thread that started it).
    fn start(addr: SocketAddr) -> Result<Clients, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .env_remove(CHILD_ENV)
            .env(CLIENTS_ENV, addr.to_string())
            .env(CLIENTS_PARENT_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start the client helper: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let (tx, lines) = mpsc::channel();
        // From here on, dropping `clients` kills and reaps the helper.
        let clients = Clients { child, stdin, lines };
        if let Some(stdout) = stdout {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        clients.reply("READY")?;
        Ok(clients)
    }

    /// The helper's next line, which must start with `word`.
    fn reply(&self, word: &str) -> Result<String, String> {
        match self.lines.recv_timeout(HELPER_TIMEOUT) {
            Ok(line) => match line.strip_prefix(word) {
                Some(rest) => Ok(rest.trim().to_owned()),
                None => Err(format!("client helper: {}", line.strip_prefix("ERR ").unwrap_or(&line))),
            },
            Err(RecvTimeoutError::Timeout) => Err(format!("client helper silent for {} s", HELPER_TIMEOUT.as_secs())),
            Err(RecvTimeoutError::Disconnected) => Err("client helper exited early".into()),
        }
    }

    /// Has the helper open `k` more connections; returns once they are all
    /// established (waiting in the listen backlog).
    fn connect(&mut self, k: usize) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("client helper closed")?;
        stdin
            .write_all(format!("connect {k}\n").as_bytes())
            .map_err(|e| format!("client helper: {e}"))?;
        self.reply("connected").map(drop)
    }

    /// Closes the helper's stdin, so that it closes every client end and
    /// exits, and waits for it (killing it if it takes too long).
    fn close(mut self) -> Result<(), String> {
        drop(self.stdin.take());
        let deadline = Instant::now() + HELPER_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("client helper failed ({status})")),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(1)),
                // Drop kills and reaps it.
                Ok(None) => return Err(format!("client helper did not exit in {} s", HELPER_TIMEOUT.as_secs())),
                Err(e) => return Err(format!("client helper: {e}")),
            }
        }
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Accepts on a non-blocking listener, giving up after `HELPER_TIMEOUT`;
/// the connection it gives blocks.
fn accept_within(listener: &std::net::TcpListener) -> std::io::Result<std::net::TcpStream> {
    let deadline = Instant::now() + HELPER_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((conn, _)) => {
                conn.set_nonblocking(false)?;
                return Ok(conn);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_micros(50));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "accept timed out"));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The client ends live in a helper process (`Clients`), started before the
/// first memory reading. It connects `CONNECT_BATCH` at a time and the
/// server accepts each batch (so the listen backlog never fills), handing
/// each server end to a reader; memory is read once all readers wait, then
/// the helper closes the clients so that every read ends.
fn tcp_idle(contender: &str, n: usize) -> Outcome {
    let io = |e: std::io::Error| e.to_string();
    let sample = match contender {
        "grove" => grove::run(async move {
            use futures::AsyncReadExt;
            let listener = grove::net::TcpListener::bind("127.0.0.1:0").await.map_err(io)?;
            let addr = listener.local_addr().map_err(io)?;
            let mut clients = Clients::start(addr)?;
            let before = rss();
            let start = Instant::now();
            let mut readers = Vec::with_capacity(n);
            while readers.len() < n {
                let batch = CONNECT_BATCH.min(n - readers.len());
                clients.connect(batch)?;
                for _ in 0..batch {
                    let (conn, _) = grove::timeout(HELPER_TIMEOUT, listener.accept())
                        .await
                        .map_err(|_| "accept timed out".to_owned())?
                        .map_err(io)?;
                    readers.push(grove::spawn(async move {
                        bump(&STARTED);
                        let mut buf = [0; READ_BUF];
                        let mut reader = &conn;
                        black_box(reader.read(&mut buf).await.ok());
                    }));
                }
            }
            while count(&STARTED) < n {
                grove::yield_now().await;
            }
            let (during, wall) = (rss(), start.elapsed());
            clients.close()?;
            for reader in readers {
                reader.await.unwrap();
            }
            Ok::<_, String>(Sample {
                before,
                during,
                wall,
                early: 0,
            })
        })?,
        "threads" => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io)?;
            listener.set_nonblocking(true).map_err(io)?;
            let addr = listener.local_addr().map_err(io)?;
            let mut clients = Clients::start(addr)?;
            let before = rss();
            let start = Instant::now();
            let started = Arc::new(AtomicUsize::new(0));
            let mut readers = Vec::with_capacity(n);
            while readers.len() < n {
                let batch = CONNECT_BATCH.min(n - readers.len());
                clients.connect(batch)?;
                for _ in 0..batch {
                    let conn = accept_within(&listener).map_err(io)?;
                    let started = started.clone();
                    let reader = thread_builder().spawn(move || {
                        started.fetch_add(1, Ordering::Relaxed);
                        let mut buf = [0; READ_BUF];
                        black_box((&conn).read(&mut buf).ok());
                    });
                    match reader {
                        Ok(reader) => readers.push(reader),
                        Err(e) => {
                            let i = readers.len();
                            drop(clients);
                            readers.into_iter().for_each(|t| {
                                let _ = t.join();
                            });
                            return Err(format!("spawn error after {i} threads: {e}"));
                        }
                    }
                }
            }
            while started.load(Ordering::Relaxed) < n {
                thread::sleep(Duration::from_millis(1));
            }
            // Let the last ones get from the counter into read(2).
            thread::sleep(Duration::from_millis(20));
            let (during, wall) = (rss(), start.elapsed());
            clients.close()?;
            readers.into_iter().for_each(|t| t.join().unwrap());
            Sample {
                before,
                during,
                wall,
                early: 0,
            }
        }
        other => return Err(format!("unknown contender {other}")),
    };
    Ok(sample.figure(n))
}

/// The client helper's side (see `Clients`): the server is at `addr`.
fn clients_main(addr: &str) {
    raise_nofile();
    die_with_parent();
    let server: SocketAddr = addr.parse().expect("GROVE_TVT_CLIENTS: an address");
    thread::spawn(|| {
        thread::sleep(HELPER_LIFETIME);
        eprintln!(
            "client helper: still alive after {} s, exiting",
            HELPER_LIFETIME.as_secs()
        );
        std::process::exit(2);
    });
    let mut clients = Vec::new();
    println!("READY");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some(k) = line
            .strip_prefix("connect ")
            .and_then(|k| k.trim().parse::<usize>().ok())
        else {
            println!("ERR unknown request {line:?}");
            return;
        };
        for _ in 0..k {
            match connect_client(server, clients.len()) {
                Ok(client) => clients.push(client),
                Err(e) => {
                    println!("ERR connection {} failed: {e}", clients.len() + 1);
                    return;
                }
            }
        }
        println!("connected {}", clients.len());
    }
    // stdin closed: the server is done (or gone); every client end closes.
}

/// Client end number `i`: from 127.0.0.1 for the first `CONNS_PER_SOURCE`,
/// then from 127.0.0.2, and so on, so that no source address runs out of
/// ephemeral ports. It lingers 0 s, so closing it resets the connection:
/// the server's read ends all the same, and no client port is left in
/// TIME_WAIT to slow down the next cell's (or run's) connects.
fn connect_client(server: SocketAddr, i: usize) -> std::io::Result<std::net::TcpStream> {
    let source = i / CONNS_PER_SOURCE;
    if source == 0 {
        let client = std::net::TcpStream::connect_timeout(&server, HELPER_TIMEOUT)?;
        socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?;
        return Ok(client);
    }
    let source = u32::try_from(source)
        .ok()
        .and_then(|s| u32::from(Ipv4Addr::LOCALHOST).checked_add(s))
        .map(Ipv4Addr::from)
        .filter(|ip| ip.is_loopback())
        .ok_or_else(|| std::io::Error::other("out of loopback source addresses"))?;
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_linger(Some(Duration::ZERO))?;
    socket.bind(&SocketAddr::from((source, 0)).into())?;
    socket.connect_timeout(&server.into(), HELPER_TIMEOUT)?;
    Ok(socket.into())
}

/// Makes the kernel kill this process when the thread that started it ends,
/// and exits at once if the expected parent is already gone.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_PDEATHSIG takes a signal number and only changes
        // this process's own death signal.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    }
    let expected = std::env::var(CLIENTS_PARENT_ENV)
        .ok()
        .and_then(|p| p.parse::<u32>().ok());
    let parent = std::os::unix::process::parent_id();
    if expected.is_some_and(|p| p != parent) {
        eprintln!("client helper: server process gone, exiting");
        std::process::exit(2);
    }
}

fn measure(workload: Workload, contender: &str, n: usize) -> Outcome {
    match workload {
        Workload::SpawnJoin => spawn_join(contender, n),
        Workload::Sleepers => sleepers(contender, n),
        Workload::Ring => ring(contender, n),
        Workload::TcpIdle => tcp_idle(contender, n),
    }
}

// ---------------------------------------------------------------------------
// The parent: limits, child processes, tables, chart.

/// Raises the soft RLIMIT_NOFILE to the hard limit (children inherit it)
/// and returns the soft limit in force.
fn raise_nofile() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1024;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// Why a cell is not run, if it is not.
fn not_run(workload: Workload, contender: &str, n: usize, nofile: usize) -> Option<String> {
    if contender == "threads" && n > THREAD_CAP {
        return Some(format!("capped at {} threads", label(THREAD_CAP)));
    }
    if workload == Workload::TcpIdle {
        // The server holds one descriptor per connection, and so does the
        // client helper, each under the same limit.
        let needed = n + open_fds() + FD_MARGIN;
        if needed > nofile {
            return Some(format!("skipped: ~{needed} fds per process > limit {nofile}"));
        }
    }
    None
}

/// Runs one cell in a fresh child process of this binary.
fn in_child(workload: Workload, contender: &str, n: usize) -> Outcome {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .env(CHILD_ENV, format!("{}:{contender}:{n}", workload.name()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start a child: {e}"))?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + CHILD_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", CHILD_TIMEOUT.as_secs()));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    if let Some(reason) = stdout.lines().find_map(|l| l.strip_prefix("NONE ")) {
        return Err(reason.to_owned());
    }
    let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT "));
    match (status.success(), result) {
        (true, Some(result)) => parse_result(result).ok_or_else(|| format!("bad child output: {result}")),
        _ => {
            let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("no output");
            eprintln!("{}/{contender}/{n} failed ({status}):\n{stderr}", workload.name());
            Err(format!("failed: {last}"))
        }
    }
}

fn parse_result(line: &str) -> Option<Figure> {
    let fields: BTreeMap<&str, f64> = line
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k, v.parse().ok()?))
        })
        .collect();
    Some(Figure {
        per_unit: *fields.get("per_unit")?,
        wall: Duration::from_secs_f64(*fields.get("wall_s")?),
        rss: fields.get("rss").copied(),
        early: *fields.get("early")? as usize,
    })
}

/// The child's side: runs the cell named in `spec` and prints its figure.
fn child_main(spec: &str) {
    raise_nofile();
    let mut parts = spec.split(':');
    let (Some(workload), Some(contender), Some(n)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("bad {CHILD_ENV}: {spec}");
    };
    let workload = Workload::from_name(workload).expect("known workload");
    let n: usize = n.parse().expect("N");
    match measure(workload, contender, n) {
        Ok(f) => {
            let rss = f.rss.map(|r| format!(" rss={r}")).unwrap_or_default();
            println!(
                "RESULT per_unit={} wall_s={} early={}{rss}",
                f.per_unit,
                f.wall.as_secs_f64(),
                f.early
            );
        }
        Err(reason) => println!("NONE {reason}"),
    }
}

/// One row of results: a workload at one N.
struct Row {
    workload: Workload,
    n: usize,
    cells: BTreeMap<&'static str, Outcome>,
}

impl Row {
    fn figure(&self, contender: &str) -> Option<&Figure> {
        self.cells.get(contender)?.as_ref().ok()
    }
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn fmt_ns(ns: f64) -> String {
    match ns.abs() {
        x if x >= 1e9 => format!("{:.2} s", ns / 1e9),
        x if x >= 1e6 => format!("{:.2} ms", ns / 1e6),
        x if x >= 1e3 => format!("{:.2} µs", ns / 1e3),
        x if x >= 100.0 => format!("{ns:.0} ns"),
        _ => format!("{ns:.1} ns"),
    }
}

fn fmt_bytes(b: f64) -> String {
    match b.abs() {
        x if x >= (1 << 30) as f64 => format!("{:.2} GiB", b / (1u64 << 30) as f64),
        x if x >= (1 << 20) as f64 => format!("{:.1} MiB", b / (1 << 20) as f64),
        x if x >= 10240.0 => format!("{:.1} KiB", b / 1024.0),
        _ => format!("{b:.0} B"),
    }
}

fn fmt_unit(workload: Workload, v: f64) -> String {
    if workload.is_memory() { fmt_bytes(v) } else { fmt_ns(v) }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.1}x")
    }
}

fn fmt_duration(d: Duration) -> String {
    fmt_ns(d.as_nanos() as f64)
}

fn print_tables(rows: &[Row]) {
    let header = format!("| workload | N | {} |", CONTENDERS.join(" | "));
    let rule = format!("|---|---:|{}", "---:|".repeat(CONTENDERS.len()));

    println!("\n### Per unit (ratio = contender / grove; above 1x grove is ahead)\n");
    println!("{header}\n{rule}");
    let mut early = Vec::new();
    for row in rows {
        let grove = row.figure("grove").map(|f| f.per_unit);
        let cells: Vec<String> = CONTENDERS
            .iter()
            .map(|&c| {
                let Some(outcome) = row.cells.get(c) else {
                    return "n/a".into();
                };
                match outcome {
                    Err(reason) => reason.clone(),
                    Ok(f) => {
                        let mut cell = fmt_unit(row.workload, f.per_unit);
                        if let (Some(g), true) = (grove, c != "grove") {
                            cell += &format!(" ({})", fmt_ratio(f.per_unit / g));
                        }
                        if f.early > 0 {
                            early.push(format!("{c} at {}: {} of {}", label(row.n), f.early, row.n));
                            cell += " *";
                        }
                        cell
                    }
                }
            })
            .collect();
        println!(
            "| {} ({}) | {} | {} |",
            row.workload.name(),
            row.workload.unit(),
            label(row.n),
            cells.join(" | ")
        );
    }
    if !early.is_empty() {
        println!(
            "\n\\* sleepers that had already woken when memory was read (freed memory may leave RSS as it was): {}",
            early.join("; ")
        );
    }

    println!("\n### Totals (timed run's wall time; memory workloads: whole run, and VmRSS while all wait)\n");
    println!("{header}\n{rule}");
    for row in rows {
        let cells: Vec<String> = CONTENDERS
            .iter()
            .map(|&c| match row.cells.get(c) {
                None => "n/a".into(),
                Some(Err(_)) => "-".into(),
                Some(Ok(f)) => match f.rss {
                    Some(rss) => format!("{}, {}", fmt_duration(f.wall), fmt_bytes(rss)),
                    None => fmt_duration(f.wall),
                },
            })
            .collect();
        println!("| {} | {} | {} |", row.workload.name(), label(row.n), cells.join(" | "));
    }
}

fn find(rows: &[Row], workload: Workload, n: usize) -> Option<&Row> {
    rows.iter().find(|r| r.workload == workload && r.n == n)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn print_summary(rows: &[Row], sizes: &[usize]) {
    println!("\n### Summary\n");

    println!("Resident memory per sleeping task:");
    for &n in sizes {
        let Some(row) = find(rows, Workload::Sleepers, n) else {
            continue;
        };
        let Some(grove) = row.figure("grove") else {
            println!("- {}: grove not measured", label(n));
            continue;
        };
        let others: Vec<String> = CONTENDERS[1..]
            .iter()
            .filter_map(|&c| match row.cells.get(c)? {
                Ok(f) => Some(format!(
                    "{c} {} ({})",
                    fmt_bytes(f.per_unit),
                    fmt_ratio(f.per_unit / grove.per_unit)
                )),
                Err(reason) => Some(format!("{c} {reason}")),
            })
            .collect();
        let lowest = CONTENDERS[1..]
            .iter()
            .filter_map(|&c| row.figure(c))
            .all(|f| f.per_unit >= grove.per_unit);
        println!(
            "- {}: grove {}; {} -> grove lowest: {}",
            label(n),
            fmt_bytes(grove.per_unit),
            others.join(", "),
            if lowest { "yes" } else { "NO" }
        );
    }
    match find(rows, Workload::Sleepers, 1_000_000).and_then(|r| r.figure("grove")) {
        Some(f) => {
            let total = f.rss.unwrap_or(f64::NAN);
            let delta = f.per_unit * 1_000_000.0;
            println!(
                "- grove at 1M: {:.0} MB resident in total while all sleep ({:.0} MB over the baseline); \
                 goal under 200 MB: {}",
                total / 1e6,
                delta / 1e6,
                verdict(total < 200e6)
            );
        }
        None => println!("- grove at 1M: not run"),
    }

    println!("\nRing, time per hop (goals: smol/grove >= 5x, threads/grove >= 100x):");
    for &n in sizes {
        let Some(row) = find(rows, Workload::Ring, n) else {
            continue;
        };
        let Some(grove) = row.figure("grove") else { continue };
        let ratio = |c: &str, goal: Option<f64>| match row.cells.get(c) {
            Some(Ok(f)) => {
                let r = f.per_unit / grove.per_unit;
                let goal = goal
                    .map(|g| format!(", goal {g}x {}", verdict(r >= g)))
                    .unwrap_or_default();
                format!("{c} {} = {}{goal}", fmt_ns(f.per_unit), fmt_ratio(r))
            }
            Some(Err(reason)) => format!("{c} {reason}"),
            None => format!("{c} -"),
        };
        println!(
            "- {}: grove {}; {}; {}; {}",
            label(n),
            fmt_ns(grove.per_unit),
            ratio("smol", Some(5.0)),
            ratio("threads", Some(100.0)),
            ratio("tokio", None)
        );
    }

    let per_unit = |n| {
        find(rows, Workload::SpawnJoin, n)
            .and_then(|r| r.figure("grove"))
            .map(|f| f.per_unit)
    };
    let largest = sizes.iter().copied().filter(|&n| n > 1_000).max();
    match (per_unit(1_000), largest.and_then(|n| Some((n, per_unit(n)?)))) {
        (Some(small), Some((n, big))) => println!(
            "\ngrove's flat cost: spawn_join per unit at {} / at 1k = {} / {} = {:.2}{}",
            label(n),
            fmt_ns(big),
            fmt_ns(small),
            big / small,
            if n < 1_000_000 { " (1M not run)" } else { "" }
        ),
        _ => println!("\ngrove's flat cost: needs spawn_join at 1k and a larger N"),
    }
}

/// A tick label in SI units: nanoseconds as "100 ns" or "10 µs" (unit
/// "s"), bytes as "300 B" or "10 kB" (unit "B").
fn axis_label(v: f64, unit: &str) -> String {
    let prefixes: &[&str] = if unit == "s" {
        &["n", "µ", "m", ""]
    } else {
        &["", "k", "M", "G"]
    };
    let mut v = v;
    let mut prefix = prefixes[0];
    for next in &prefixes[1..] {
        if v.abs() < 1000.0 {
            break;
        }
        v /= 1000.0;
        prefix = next;
    }
    let digits = if v.abs() >= 10.0 || v.fract() == 0.0 { 0 } else { 1 };
    format!("{v:.digits$} {prefix}{unit}")
}

fn colour(contender: &str) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    match contender {
        "grove" => RGBColor(0x2e, 0x8b, 0x57),
        "tokio" => RGBColor(0x1f, 0x77, 0xb4),
        "smol" => RGBColor(0xff, 0x7f, 0x0e),
        _ => RGBColor(0xd6, 0x27, 0x28),
    }
}

/// Two log-log panels: spawn_join time per unit and sleepers' memory per
/// unit, against N.
fn draw_chart(rows: &[Row], path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;

    let root = SVGBackend::new(path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    let specs = [
        (Workload::SpawnJoin, "spawn and join: time per unit", "time per unit"),
        (
            Workload::Sleepers,
            "200 ms sleepers: resident memory per unit",
            "bytes per unit",
        ),
    ];
    for (panel, (workload, title, y_desc)) in panels.iter().zip(specs) {
        let series: Vec<(&str, Vec<(f64, f64)>)> = CONTENDERS
            .iter()
            .map(|&c| {
                let points = rows
                    .iter()
                    .filter(|r| r.workload == workload)
                    .filter_map(|r| Some((r.n as f64, r.figure(c)?.per_unit)))
                    .filter(|&(_, y)| y > 0.0)
                    .collect();
                (c, points)
            })
            .collect();
        let all = || series.iter().flat_map(|(_, p)| p.iter());
        if all().next().is_none() {
            continue;
        }
        let (x_min, x_max) = all().fold((f64::MAX, f64::MIN), |(lo, hi), &(x, _)| (lo.min(x), hi.max(x)));
        let (y_min, y_max) = all().fold((f64::MAX, f64::MIN), |(lo, hi), &(_, y)| (lo.min(y), hi.max(y)));
        let x_max = if x_max > x_min { x_max } else { x_min * 10.0 };
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x_min / 1.5..x_max * 1.5).log_scale(),
                (y_min / 2.0..y_max * 8.0).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("N (log)")
            .y_desc(format!("{y_desc} (log)"))
            .x_label_formatter(&|x| label(x.round() as usize))
            .y_label_formatter(&|y| axis_label(*y, if workload.is_memory() { "B" } else { "s" }))
            .draw()?;
        for (contender, points) in series {
            if points.is_empty() {
                continue;
            }
            let style = colour(contender).stroke_width(2);
            chart
                .draw_series(LineSeries::new(points, style).point_size(4))?
                .label(contender)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    )
}

fn main() {
    if let Ok(addr) = std::env::var(CLIENTS_ENV) {
        clients_main(&addr);
        return;
    }
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child_main(&spec);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "tasks_vs_threads: nothing run without --bench; use `cargo bench --bench tasks_vs_threads` \
             (GROVE_TVT_MAX=10000 for a quick run)"
        );
        return;
    }
    let max: usize = std::env::var("GROVE_TVT_MAX")
        .ok()
        .map(|v| v.replace('_', "").parse().expect("GROVE_TVT_MAX: a number"))
        .unwrap_or(1_000_000);
    let mut sizes: Vec<usize> = SIZES.into_iter().filter(|&n| n <= max).collect();
    if sizes.is_empty() {
        sizes.push(max.max(2));
    }
    let workloads: Vec<Workload> = match std::env::var("GROVE_TVT_ONLY") {
        Ok(only) => only
            .split(',')
            .map(|w| Workload::from_name(w.trim()).unwrap_or_else(|| panic!("GROVE_TVT_ONLY: unknown {w}")))
            .collect(),
        Err(_) => Workload::ALL.to_vec(),
    };
    let nofile = raise_nofile();
    eprintln!(
        "tasks_vs_threads: N = {}; RLIMIT_NOFILE {nofile}; threads capped at {} with {} KiB stacks",
        sizes.iter().map(|&n| label(n)).collect::<Vec<_>>().join(", "),
        label(THREAD_CAP),
        THREAD_STACK >> 10
    );

    let begun = Instant::now();
    let mut rows = Vec::new();
    for &workload in &workloads {
        for &n in &sizes {
            let mut cells = BTreeMap::new();
            for &contender in workload.contenders() {
                let cell_begun = Instant::now();
                let outcome = match not_run(workload, contender, n, nofile) {
                    Some(reason) => Err(reason),
                    None => in_child(workload, contender, n),
                };
                eprintln!(
                    "  {:<10} {:>5} {:<7} {:<40} [{:.1} s]",
                    workload.name(),
                    label(n),
                    contender,
                    match &outcome {
                        Ok(f) => format!("{} {}", fmt_unit(workload, f.per_unit), workload.unit()),
                        Err(reason) => reason.clone(),
                    },
                    cell_begun.elapsed().as_secs_f64()
                );
                cells.insert(contender, outcome);
            }
            rows.push(Row { workload, n, cells });
        }
    }

    println!(
        "\n## Tasks vs threads (threads: {} KiB stacks, capped at {}; tcp_idle clients: std TcpStreams in a separate \
         helper process, not in the server's RSS, 1 fd per connection in each, RLIMIT_NOFILE {nofile})",
        THREAD_STACK >> 10,
        label(THREAD_CAP)
    );
    print_tables(&rows);
    print_summary(&rows, &sizes);

    let svg = target_dir().join("tasks_vs_threads.svg");
    match draw_chart(&rows, &svg) {
        Ok(()) => println!("\nChart: {}", svg.display()),
        Err(e) => eprintln!("chart failed: {e}"),
    }
    println!("Total bench time: {:.1} s", begun.elapsed().as_secs_f64());
}
