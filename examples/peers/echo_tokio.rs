//! The `echo` example's `--idle-timeout` server on tokio's current-thread
//! runtime: the tokio row of the C10k bench (`benches/c10k.sh`).
//!
//! It follows `examples/echo.rs` step for step: each read, and each write
//! of an echo, waits at most the idle timeout, and what it read goes back
//! through a 1 KiB write buffer, flushed after each message.
//!
//! `cargo run --release --example echo_tokio -- ADDR --idle-timeout SECS`

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::{TcpListener, TcpStream};

#[path = "echo_setup.rs"]
mod echo_setup;
#[path = "listen.rs"]
mod listen;
#[path = "tokio_accept.rs"]
mod tokio_accept;

use echo_setup::BUF;

fn main() -> io::Result<()> {
    let (addr, idle) = echo_setup::setup("echo_tokio")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let listener = listen::listen(&addr)?;
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        eprintln!("echo_tokio listening on {}", listener.local_addr()?);
        loop {
            let stream = tokio_accept::accept(&listener).await;
            tokio::spawn(echo(stream, idle));
        }
    })
}

/// Sends back everything the peer sends until it closes its side, or
/// stays silent for `idle`, or takes that long to take an echo back.
async fn echo(stream: TcpStream, idle: Duration) -> io::Result<()> {
    let (mut reader, writer) = stream.into_split();
    let mut writer = BufWriter::with_capacity(BUF, writer);
    let mut buf = [0; BUF];
    loop {
        let n = within(idle, reader.read(&mut buf)).await?;
        if n == 0 {
            return Ok(());
        }
        within(idle, async {
            writer.write_all(&buf[..n]).await?;
            writer.flush().await
        })
        .await?;
    }
}

/// Runs `op`, giving up with `TimedOut` after `limit`.
async fn within<T>(limit: Duration, op: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::time::timeout(limit, op)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle too long"))?
}
