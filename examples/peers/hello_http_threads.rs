//! The `hello_http` example as a thread-per-connection server on blocking
//! `std::net`: a keep-alive HTTP/1.1 server that answers every request with
//! `Hello, world!` (13 bytes), the threads row of the `wrk` benchmark
//! (`benches/http.sh`).
//!
//! It follows `examples/hello_http/main.rs` line for line, with an OS thread
//! per connection in place of a coroutine, and shares its request handling
//! (`examples/hello_http/conn.rs`). Run it with
//! `cargo run --release --example hello_http_threads [ADDR]`; the address
//! defaults to 127.0.0.1:8080.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

#[path = "../hello_http/conn.rs"]
mod conn;
#[path = "listen.rs"]
mod listen;

use conn::Conn;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = listen::listen(&addr)?;
    eprintln!("hello_http_threads listening on http://{}", listener.local_addr()?);
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, say: pause while connections close,
                // as grove's accept does, rather than end the server.
                eprintln!("accept: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        // A thread the OS refuses costs that connection, not the server.
        let spawned = std::thread::Builder::new().spawn(move || {
            if let Err(e) = serve(stream) {
                eprintln!("connection error: {e}");
            }
        });
        if let Err(e) = spawned {
            eprintln!("no thread for a connection: {e}");
        }
    }
}

/// Answers the requests of one connection, pipelined ones included, until
/// the client closes it, asks to, sends what is refused, or is too slow to
/// send or to take an answer.
fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    // As the grove server: a client that takes no answer for that long is
    // dropped.
    stream.set_write_timeout(Some(conn::HEAD_TIMEOUT))?;
    let mut conn = Conn::new(Instant::now(), conn::HEAD_TIMEOUT);
    loop {
        let wait = conn.deadline().saturating_duration_since(Instant::now());
        // A zero timeout means "none" to the OS: past the deadline, wait
        // the least it allows.
        stream.set_read_timeout(Some(wait.max(Duration::from_micros(1))))?;
        let n = match stream.read(conn.spare()) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                stream.write_all(conn.timed_out())?;
                return stream.shutdown(Shutdown::Write);
            }
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        let (answers, close) = conn.received(n, Instant::now());
        stream.write_all(answers)?;
        if close {
            return stream.shutdown(Shutdown::Write);
        }
    }
}
