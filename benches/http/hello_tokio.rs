//! The `hello_http` example on tokio's current-thread runtime: a keep-alive
//! HTTP/1.1 server that answers every request with `Hello, world!` (13
//! bytes), the tokio row of the `wrk` benchmark (`benches/http.sh`).
//!
//! It follows `examples/hello_http.rs` line for line, with tokio's listener,
//! stream and `spawn` on a current-thread runtime in place of grove's, so
//! that the two compare like for like. Run it with
//! `cargo run --release --example hello_http_tokio [ADDR]`; the address
//! defaults to 127.0.0.1:8080.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";
const CLOSING: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    // On a current-thread runtime, spawned tasks run on this thread, like
    // grove's, whenever `block_on` waits.
    runtime.block_on(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("hello_http_tokio listening on http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                if let Err(e) = serve(stream).await {
                    eprintln!("connection error: {e}");
                }
            });
        }
    })
}

/// Answers the requests of one connection, pipelined ones included, until
/// the client closes it or asks to.
async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0; 8192];
    let mut filled = 0;
    let mut out = Vec::with_capacity(1024);
    loop {
        let n = stream.read(&mut buf[filled..]).await?;
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
        stream.write_all(&out).await?;
        out.clear();
        if close {
            return stream.shutdown().await;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            // A request head larger than the buffer.
            stream.write_all(BAD_REQUEST).await?;
            return stream.shutdown().await;
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
