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

#[path = "echo_setup.rs"]
mod echo_setup;

use echo_setup::BUF;

fn main() -> io::Result<()> {
    let (addr, idle) = echo_setup::setup("echo_smol")?;
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
