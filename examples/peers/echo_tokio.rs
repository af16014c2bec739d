//! The `echo` example's `--idle-timeout` server on tokio's current-thread
//! runtime: the tokio row of the C10k bench (`benches/c10k.sh`).
//!
//! It follows `examples/echo.rs` step for step: each read waits at most
//! the idle timeout, and what it read goes back through a 1 KiB write
//! buffer, flushed after each message.
//!
//! `cargo run --release --example echo_tokio -- ADDR --idle-timeout SECS`

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::{TcpListener, TcpStream};

#[path = "../support/fd_limit.rs"]
#[allow(dead_code)] // a server caps no concurrency of its own
mod fd_limit;

/// Bytes read at once, and the size of each connection's write buffer.
const BUF: usize = 1024;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".to_owned());
    let idle = match (args.next().as_deref(), args.next()) {
        (Some("--idle-timeout"), Some(secs)) => secs.parse().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()),
        (None, None) => Some(Duration::from_secs(5)),
        _ => None,
    }
    .ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: echo_tokio ADDR [--idle-timeout SECS]",
        )
    })?;
    if let Err(e) = fd_limit::raise_fd_limit() {
        eprintln!("echo_tokio: could not raise the descriptor limit: {e}");
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(&addr).await?;
        eprintln!("echo_tokio listening on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(echo(stream, idle));
        }
    })
}

/// Sends back everything the peer sends until it closes its side or
/// stays silent for `idle`.
async fn echo(stream: TcpStream, idle: Duration) -> io::Result<()> {
    let (mut reader, writer) = stream.into_split();
    let mut writer = BufWriter::with_capacity(BUF, writer);
    let mut buf = [0; BUF];
    loop {
        let n = tokio::time::timeout(idle, reader.read(&mut buf))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle too long"))??;
        if n == 0 {
            return Ok(());
        }
        writer.write_all(&buf[..n]).await?;
        writer.flush().await?;
    }
}
