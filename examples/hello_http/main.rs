//! A keep-alive HTTP/1.1 server that answers every request with
//! `Hello, world!` (13 bytes): the server of the `wrk` benchmark
//! (`benches/http.sh`).
//!
//! Run it with `cargo run --release --example hello_http [ADDR]`; the
//! address defaults to 127.0.0.1:8080. Try `curl -v http://127.0.0.1:8080/`.

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::{TcpListener, TcpStream};

mod conn;

use conn::Conn;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    grove::run(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("hello_http listening on http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            grove::spawn(async move {
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
    let mut conn = Conn::new();
    loop {
        let n = stream.read(conn.spare()).await?;
        if n == 0 {
            return Ok(());
        }
        let (answers, close) = conn.received(n);
        stream.write_all(answers).await?;
        if close {
            return stream.close().await;
        }
    }
}
