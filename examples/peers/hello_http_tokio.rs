//! The `hello_http` example on tokio's current-thread runtime: a keep-alive
//! HTTP/1.1 server that answers every request with `Hello, world!` (13
//! bytes), the tokio row of the `wrk` benchmark (`benches/http.sh`).
//!
//! It follows `examples/hello_http/main.rs` line for line, with tokio's
//! listener, stream and `spawn` on a current-thread runtime in place of
//! grove's, and shares its request handling (`examples/hello_http/conn.rs`),
//! so that the two compare like for like. Run it with
//! `cargo run --release --example hello_http_tokio [ADDR] [--threads N]`;
//! the address defaults to 127.0.0.1:8080. With `--threads N` (N > 1) it
//! runs on tokio's multi-thread runtime with N workers, the peer of
//! `hello_http --threads N`.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "../hello_http/conn.rs"]
mod conn;
#[path = "listen.rs"]
mod listen;
#[path = "tokio_accept.rs"]
mod tokio_accept;

use conn::Conn;

fn main() -> std::io::Result<()> {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut threads = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--threads" {
            threads = args
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "--threads takes a number"))?;
        } else {
            addr = arg;
        }
    }
    let mut builder = if threads > 1 {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = builder.enable_io().enable_time().build()?;
    // On a current-thread runtime, spawned tasks run on this thread, like
    // grove's, whenever `block_on` waits.
    runtime.block_on(async {
        let listener = listen::listen(&addr)?;
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        eprintln!("hello_http_tokio listening on http://{}", listener.local_addr()?);
        loop {
            let stream = tokio_accept::accept(&listener).await;
            tokio::spawn(async move {
                if let Err(e) = serve(stream).await {
                    eprintln!("connection error: {e}");
                }
            });
        }
    })
}

/// Answers the requests of one connection, pipelined ones included, until
/// the client closes it, asks to, sends what is refused, or is too slow to
/// send or to take an answer.
async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut conn = Conn::new(Instant::now(), conn::HEAD_TIMEOUT);
    loop {
        let wait = conn.deadline().saturating_duration_since(Instant::now());
        let Ok(read) = tokio::time::timeout(wait, stream.read(conn.spare())).await else {
            send(&mut stream, conn.timed_out()).await?;
            return stream.shutdown().await;
        };
        let n = read?;
        if n == 0 {
            return Ok(());
        }
        let (answers, close) = conn.received(n, Instant::now());
        send(&mut stream, answers).await?;
        if close {
            return stream.shutdown().await;
        }
    }
}

/// Writes `bytes`, giving up if the client takes longer than the head
/// timeout to take them, as the grove server does.
async fn send(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    tokio::time::timeout(conn::HEAD_TIMEOUT, stream.write_all(bytes))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading"))?
}
