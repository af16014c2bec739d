//! The `hello_http` example as a thread-per-connection server on blocking
//! `std::net`: a keep-alive HTTP/1.1 server that answers every request with
//! `Hello, world!` (13 bytes), the threads row of the `wrk` benchmark
//! (`benches/http.sh`).
//!
//! It follows `examples/hello_http.rs` line for line, with an OS thread per
//! connection in place of a coroutine. Run it with
//! `cargo run --release --example hello_http_threads [ADDR]`; the address
//! defaults to 127.0.0.1:8080.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";
const CLOSING: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

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
    let mut buf = vec![0; 8192];
    let mut filled = 0;
    let mut out = Vec::with_capacity(1024);
    loop {
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
        let mut start = 0;
        let mut close = false;
        while !close {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&buf[start..filled]) {
                Ok(httparse::Status::Complete(len)) => {
                    start += len;
                    close = wants_close(&request);
                    out.extend_from_slice(if close { CLOSING } else { RESPONSE });
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => {
                    out.extend_from_slice(BAD_REQUEST);
                    close = true;
                }
            }
        }
        stream.write_all(&out)?;
        out.clear();
        if close {
            return stream.shutdown(Shutdown::Write);
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            // A request head larger than the buffer.
            stream.write_all(BAD_REQUEST)?;
            return stream.shutdown(Shutdown::Write);
        }
    }
}

/// Whether the request ends the connection: `Connection: close`, or
/// HTTP/1.0 without `keep-alive`.
fn wants_close(request: &httparse::Request<'_, '_>) -> bool {
    let connection = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("connection"))
        .map(|h| h.value.to_ascii_lowercase());
    match connection.as_deref() {
        Some(b"close") => true,
        Some(b"keep-alive") => false,
        _ => request.version == Some(0),
    }
}
