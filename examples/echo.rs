//! An echo server: every connection gets back what it sends, over TCP or a
//! Unix socket.
//!
//! ```sh
//! cargo run --example echo                      # TCP on 127.0.0.1:7000
//! cargo run --example echo -- 0.0.0.0:7001      # TCP on another address
//! cargo run --example echo -- --unix /tmp/echo.sock
//! ```
//!
//! Then `nc 127.0.0.1 7000`, or `nc -U /tmp/echo.sock`, in another
//! terminal. Each connection's byte count is printed when it closes.
//! Ctrl-C stops the server; in Unix mode it removes the socket's path.
//!
//! `--idle-timeout SECS` closes a connection that sends nothing for that
//! long, or takes nothing back: each read, and each write of an echo,
//! waits at most that, so every message resets the clock, and a peer that
//! stops reading cannot hold its connection open.
//! With `--quiet`, closed connections are not reported one by one. The
//! C10k bench (`benches/c10k.sh`) runs `echo --idle-timeout 5 --quiet`
//! against 10,000 connections.

use std::future::Future;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::pin::pin;
use std::time::Duration;

use futures::future::{self, Either};
use futures::io::BufWriter;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use grove::net::{TcpListener, UnixListener};

#[path = "support/fd_limit.rs"]
#[allow(dead_code)] // a server caps no concurrency of its own
mod fd_limit;

/// Bytes read at once, and the size of each connection's write buffer.
const BUF: usize = 1024;

/// How each connection is served.
#[derive(Clone, Copy)]
struct Options {
    /// Close a connection idle this long.
    idle_timeout: Option<Duration>,
    /// Do not report each closed connection.
    quiet: bool,
}

const USAGE: &str = "usage: echo [ADDR | --unix PATH] [--idle-timeout SECS] [--quiet]";

fn main() -> io::Result<()> {
    let usage = || io::Error::new(io::ErrorKind::InvalidInput, USAGE);
    let mut target = None;
    let mut unix = false;
    let mut options = Options {
        idle_timeout: None,
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // One place to listen: an address and a path together are refused.
            "--unix" if target.is_none() => {
                unix = true;
                target = Some(args.next().ok_or_else(usage)?);
            }
            "--idle-timeout" => {
                let secs: f64 = args.next().and_then(|s| s.parse().ok()).ok_or_else(usage)?;
                let timeout = Duration::try_from_secs_f64(secs).map_err(|_| usage())?;
                options.idle_timeout = Some(timeout);
            }
            "--quiet" => options.quiet = true,
            addr if !addr.starts_with('-') && target.is_none() => target = Some(addr.to_owned()),
            _ => return Err(usage()),
        }
    }
    // Every connection takes a descriptor: as servers do, take all the
    // hard limit allows.
    if let Err(e) = fd_limit::raise_fd_limit() {
        eprintln!("echo: could not raise the descriptor limit: {e}");
    }
    grove::run(async move {
        match target {
            Some(path) if unix => serve_unix(PathBuf::from(path), options).await,
            addr => serve_tcp(addr.as_deref().unwrap_or("127.0.0.1:7000"), options).await,
        }
    })
}

async fn serve_tcp(addr: &str, options: Options) -> io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    eprintln!("echo listening on {}", listener.local_addr()?);
    until_ctrl_c(async {
        loop {
            let (stream, peer) = listener.accept().await?;
            grove::spawn(serve(stream, peer.to_string(), options));
        }
    })
    .await
}

async fn serve_unix(path: PathBuf, options: Options) -> io::Result<()> {
    // A socket left by a server that is gone refuses connections: only
    // then is it safe to take its path over. Anything else stays.
    let is_socket = std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_socket());
    if is_socket && std::os::unix::net::UnixStream::connect(&path).is_err() {
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    eprintln!("echo listening on {}", path.display());
    let served = until_ctrl_c(async {
        for n in 1.. {
            let (stream, _) = listener.accept().await?;
            grove::spawn(serve(stream, format!("unix connection {n}"), options));
        }
        unreachable!("a u64 of connections")
    })
    .await;
    std::fs::remove_file(&path)?;
    served
}

/// Runs `serve` until it fails or Ctrl-C comes.
async fn until_ctrl_c(serve: impl Future<Output = io::Result<()>>) -> io::Result<()> {
    match future::select(pin!(serve), pin!(grove::signal::ctrl_c())).await {
        Either::Left((served, _)) => served,
        Either::Right((interrupted, _)) => {
            eprintln!("Ctrl-C: stopping");
            interrupted
        }
    }
}

/// Echoes one connection, and reports how it ended.
async fn serve<S>(stream: S, peer: String, options: Options)
where
    for<'a> &'a S: AsyncRead + AsyncWrite,
{
    let mut echoed = 0;
    let ended = echo(&stream, options.idle_timeout, &mut echoed).await;
    if options.quiet {
        return;
    }
    match ended {
        Ok(()) => eprintln!("{peer}: echoed {echoed} bytes"),
        Err(e) => eprintln!("{peer}: {e} after {echoed} bytes"),
    }
}

/// Sends back everything the peer sends, through a write buffer, until it
/// closes its side or, with `idle_timeout`, stays silent that long or
/// takes that long to take an echo back.
async fn echo<S>(stream: &S, idle_timeout: Option<Duration>, echoed: &mut u64) -> io::Result<()>
where
    for<'a> &'a S: AsyncRead + AsyncWrite,
{
    let mut reader = stream;
    let mut writer = BufWriter::with_capacity(BUF, stream);
    let mut buf = [0; BUF];
    loop {
        let n = within(idle_timeout, reader.read(&mut buf)).await?;
        if n == 0 {
            return Ok(());
        }
        within(idle_timeout, async {
            writer.write_all(&buf[..n]).await?;
            writer.flush().await
        })
        .await?;
        *echoed += n as u64;
    }
}

/// Runs `op`, giving up with `TimedOut` after `limit` if there is one.
async fn within<T>(limit: Option<Duration>, op: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    match limit {
        Some(limit) => grove::time::timeout(limit, op)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle too long"))?,
        None => op.await,
    }
}
