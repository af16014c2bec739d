//! The `echo` example's `--idle-timeout` server on smol's `LocalExecutor`
//! (with async-io's reactor and timers): the smol row of the C10k bench
//! (`benches/c10k.sh`).
//!
//! It follows `examples/echo.rs` step for step: each read, and each write
//! of an echo, waits at most the idle timeout, and what it read goes back
//! through a 1 KiB write buffer, flushed after each message.
//!
//! `cargo run --release --example echo_smol -- ADDR --idle-timeout SECS`

use std::future::Future;
use std::io;
use std::net::TcpStream;
use std::rc::Rc;
use std::time::Duration;

use async_executor::LocalExecutor;
use async_io::{Async, Timer};
use futures_lite::io::BufWriter;
use futures_lite::{AsyncReadExt, AsyncWriteExt, FutureExt};

#[path = "echo_setup.rs"]
mod echo_setup;
#[path = "listen.rs"]
mod listen;

use echo_setup::BUF;

fn main() -> io::Result<()> {
    let (addr, idle) = echo_setup::setup("echo_smol")?;
    let ex = Rc::new(LocalExecutor::new());
    async_io::block_on(ex.run(async {
        let listener = Async::new(listen::listen(&addr)?)?;
        eprintln!("echo_smol listening on {}", listener.get_ref().local_addr()?);
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, say: pause while connections close,
                    // as grove's accept does, rather than end the server.
                    eprintln!("accept: {e}");
                    Timer::after(Duration::from_millis(10)).await;
                    continue;
                }
            };
            ex.spawn(echo(stream, idle)).detach();
        }
    }))
}

/// Sends back everything the peer sends until it closes its side, or
/// stays silent for `idle`, or takes that long to take an echo back.
async fn echo(stream: Async<TcpStream>, idle: Duration) -> io::Result<()> {
    let mut reader = &stream;
    let mut writer = BufWriter::with_capacity(BUF, &stream);
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
    let timed_out = async {
        Timer::after(limit).await;
        Err(io::Error::new(io::ErrorKind::TimedOut, "idle too long"))
    };
    op.or(timed_out).await
}
