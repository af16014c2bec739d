//! tcp_idle: N idle loopback connections, each server end held by one
//! reader; the client ends live in a helper process.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::child::raise_nofile;
use crate::measure::{STARTED, Sample, bump, count, rss, thread_builder};
use crate::{CHILD_ENV, CHILD_TIMEOUT, CLIENTS_ENV, Outcome};

/// What each idle connection's reader waits to fill.
const READ_BUF: usize = 64;
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
pub(crate) fn tcp_idle(contender: &str, n: usize) -> Outcome {
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
pub(crate) fn clients_main(addr: &str) {
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
