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

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

#[path = "../hello_http/conn.rs"]
mod conn;

use conn::Conn;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = TcpListener::bind(addr.as_str())?;
    eprintln!("hello_http_threads listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept()?;
        std::thread::spawn(move || {
            if let Err(e) = serve(stream) {
                eprintln!("connection error: {e}");
            }
        });
    }
}

/// Answers the requests of one connection, pipelined ones included, until
/// the client closes it or asks to.
fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut conn = Conn::new();
    loop {
        let n = stream.read(conn.spare())?;
        if n == 0 {
            return Ok(());
        }
        let (answers, close) = conn.received(n);
        stream.write_all(answers)?;
        if close {
            return stream.shutdown(Shutdown::Write);
        }
    }
}
