//! The `echo` example's `--idle-timeout` server on smol's `LocalExecutor`
//! (with async-io's reactor and timers): the smol row of the C10k bench
//! (`benches/c10k.sh`).
//!
//! It follows `examples/echo.rs` step for step: each read waits at most
//! the idle timeout, and what it read goes back through a 1 KiB write
//! buffer, flushed after each message.
//!
//! `cargo run --release --example echo_smol -- ADDR --idle-timeout SECS`

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use async_executor::LocalExecutor;
use async_io::{Async, Timer};
use futures_lite::io::BufWriter;
use futures_lite::{AsyncReadExt, AsyncWriteExt, FutureExt};
use socket2::{Domain, Socket, Type};

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
            "usage: echo_smol ADDR [--idle-timeout SECS]",
        )
    })?;
    if let Err(e) = fd_limit::raise_fd_limit() {
        eprintln!("echo_smol: could not raise the descriptor limit: {e}");
    }
    let ex = Rc::new(LocalExecutor::new());
    async_io::block_on(ex.run(async {
        let listener = Async::new(listen(&addr)?)?;
        eprintln!("echo_smol listening on {}", listener.get_ref().local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            ex.spawn(echo(stream, idle)).detach();
        }
    }))
}

/// A listener on `addr` with the backlog grove's and tokio's listeners
/// have (1,024; std's is 128), so that all three take a burst of connects
/// alike.
fn listen(addr: &str) -> io::Result<TcpListener> {
    let addr: SocketAddr = addr.parse().map_err(io::Error::other)?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// Sends back everything the peer sends until it closes its side or
/// stays silent for `idle`.
async fn echo(stream: Async<TcpStream>, idle: Duration) -> io::Result<()> {
    let mut reader = &stream;
    let mut writer = BufWriter::with_capacity(BUF, &stream);
    let mut buf = [0; BUF];
    loop {
        let timed_out = async {
            Timer::after(idle).await;
            Err(io::Error::new(io::ErrorKind::TimedOut, "idle too long"))
        };
        let n = reader.read(&mut buf).or(timed_out).await?;
        if n == 0 {
            return Ok(());
        }
        writer.write_all(&buf[..n]).await?;
        writer.flush().await?;
    }
}
