//! The client of the C10k bench (`benches/c10k.sh`): many connections to
//! an echo server, each sending a short message at a steady pace and timing
//! its echo. It runs on tokio's current-thread runtime, the same program
//! for every server.
//!
//! ```sh
//! c10k_client ADDR [--connections 10000] [--interval-ms 400] [--seconds 20] [--size 64] [--go-on-stdin]
//! ```
//!
//! It opens every connection first (at most 256 at once, each counted open
//! once one echo has come back on it; that echo is not in the figures), then
//! prints `READY` (with how many, and how long that took), and from then on each connection sends one message per
//! interval, their starts spread evenly over the first interval (with
//! `--go-on-stdin`, only once a line comes on its standard input, so that a
//! harness can start counting first). After the
//! given seconds it prints `DONE` and one line of figures, `key=value`
//! pairs: messages echoed, errors, and latency percentiles in µs. It keeps the connections open until its standard input
//! closes or gives a line, so that the harness can read the server's
//! memory with every connection still there.

use std::cell::RefCell;
use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::{MissedTickBehavior, interval_at, timeout};

#[path = "../../examples/support/fd_limit.rs"]
#[allow(dead_code)] // only the limit is raised
mod fd_limit;

/// Connects in flight at once.
const CONNECTING: usize = 256;
/// How long a connect or an echo may take before it counts as an error.
const PATIENCE: Duration = Duration::from_secs(5);

struct Settings {
    addr: SocketAddr,
    connections: usize,
    interval: Duration,
    run_for: Duration,
    size: usize,
    go_on_stdin: bool,
}

fn settings() -> Result<Settings, String> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().ok_or(
        "usage: c10k_client ADDR [--connections N] [--interval-ms MS] [--seconds S] [--size B] [--go-on-stdin]",
    )?;
    let mut settings = Settings {
        addr: addr.parse().map_err(|e| format!("{addr}: {e}"))?,
        connections: 10_000,
        interval: Duration::from_millis(400),
        run_for: Duration::from_secs(20),
        size: 64,
        go_on_stdin: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--go-on-stdin" {
            settings.go_on_stdin = true;
            continue;
        }
        let value: u64 = args
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or(format!("{flag} needs a whole number"))?;
        match flag.as_str() {
            "--connections" => settings.connections = value as usize,
            "--interval-ms" => settings.interval = Duration::from_millis(value),
            "--seconds" => settings.run_for = Duration::from_secs(value),
            "--size" => settings.size = value as usize,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if settings.connections == 0 || settings.size == 0 || settings.interval.is_zero() {
        return Err("connections, size and interval must be above zero".into());
    }
    Ok(settings)
}

/// What the connections report, shared on the one thread.
#[derive(Default)]
struct Tally {
    /// Each echo's round trip, in µs.
    latencies: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, e: impl ToString) {
        self.errors += 1;
        self.first_error.get_or_insert_with(|| e.to_string());
    }
}

fn main() {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("c10k_client: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = fd_limit::raise_fd_limit() {
        eprintln!("c10k_client: could not raise the descriptor limit: {e}");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let (tally, held) = local.block_on(&rt, run(settings));
    let tally = tally.borrow();
    let mut latencies = tally.latencies.clone();
    latencies.sort_unstable();
    let pick = |q: f64| latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)));
    println!("DONE");
    println!(
        "messages={} errors={} p50_us={} p99_us={} p999_us={} max_us={} first_error={:?}",
        latencies.len(),
        tally.errors,
        pick(0.5).copied().unwrap_or(0),
        pick(0.99).copied().unwrap_or(0),
        pick(0.999).copied().unwrap_or(0),
        latencies.last().copied().unwrap_or(0),
        tally.first_error.as_deref().unwrap_or(""),
    );
    io::stdout().flush().unwrap();
    // Hold the connections until told to let go.
    let _ = io::stdin().lock().read_line(&mut String::new());
    drop(held);
}

/// Opens the connections, runs them, and returns the tally with the
/// connections still open.
async fn run(settings: Settings) -> (Rc<RefCell<Tally>>, Vec<TcpStream>) {
    let tally = Rc::new(RefCell::new(Tally::default()));
    let began = Instant::now();
    let connecting = Rc::new(Semaphore::new(CONNECTING));
    let connects: Vec<_> = (0..settings.connections)
        .map(|_| {
            let connecting = connecting.clone();
            tokio::task::spawn_local(async move {
                let _permit = connecting.acquire().await.unwrap();
                let mut stream = timeout(PATIENCE, TcpStream::connect(settings.addr)).await??;
                stream.set_nodelay(true)?;
                // One echo before the permit goes: the server has then taken
                // the connection in, so at most CONNECTING wait in its
                // backlog whatever its pace of accepts. A connect completes
                // in the kernel before any accept, so without this a
                // server that accepts more slowly than this loop connects
                // overflows its backlog; the SYNs dropped then are retried
                // after seconds, while the first connections sit idle.
                let mut echo = vec![0; settings.size];
                timeout(PATIENCE, async {
                    stream.write_all(&vec![b'x'; settings.size]).await?;
                    stream.read_exact(&mut echo).await
                })
                .await??;
                Ok::<_, io::Error>(stream)
            })
        })
        .collect();
    let mut streams = Vec::with_capacity(settings.connections);
    for connect in connects {
        match connect.await.unwrap() {
            Ok(stream) => streams.push(stream),
            Err(e) => tally.borrow_mut().error(format!("connect: {e}")),
        }
    }
    println!(
        "READY connections={} connect_ms={}",
        streams.len(),
        began.elapsed().as_millis()
    );
    io::stdout().flush().unwrap();
    if settings.go_on_stdin {
        // Nothing else runs yet, so blocking the thread here delays nothing.
        let _ = io::stdin().lock().read_line(&mut String::new());
    }

    let start = Instant::now();
    let stop = start + settings.run_for;
    let spread = settings.interval / streams.len().max(1) as u32;
    let talkers: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, stream)| {
            let first = tokio::time::Instant::from_std(start + spread * i as u32);
            let tally = tally.clone();
            tokio::task::spawn_local(talk(stream, first, stop, settings.interval, settings.size, tally))
        })
        .collect();
    let mut held = Vec::with_capacity(talkers.len());
    for talker in talkers {
        held.extend(talker.await.unwrap());
    }
    (tally, held)
}

/// One connection: a message every `interval` from `first` until `stop`,
/// each timed until its echo is back. Returns the stream unless it failed.
async fn talk(
    mut stream: TcpStream,
    first: tokio::time::Instant,
    stop: Instant,
    interval: Duration,
    size: usize,
    tally: Rc<RefCell<Tally>>,
) -> Option<TcpStream> {
    let message = vec![b'x'; size];
    let mut echo = vec![0; size];
    let mut ticks = interval_at(first, interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        let tick = ticks.tick().await;
        if tick.into_std() >= stop {
            return Some(stream);
        }
        let sent = Instant::now();
        let round_trip = async {
            stream.write_all(&message).await?;
            stream.read_exact(&mut echo).await?;
            Ok::<_, io::Error>(())
        };
        match timeout(PATIENCE, round_trip).await {
            Ok(Ok(())) => {
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                tally.borrow_mut().latencies.push(micros);
            }
            Ok(Err(e)) => {
                tally.borrow_mut().error(format!("echo: {e}"));
                return None;
            }
            Err(_) => {
                tally.borrow_mut().error("echo: no answer within 5 s");
                return None;
            }
        }
    }
}
