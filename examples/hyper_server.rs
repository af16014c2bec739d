//! hyper 1.x serving HTTP/1.1 with keep-alive on grove: one green task per
//! connection, with a `!Send` counter shared by every request.
//!
//! Run it with `cargo run --release --example hyper_server [ADDR]`
//! (default 127.0.0.1:8080), then `curl -v http://127.0.0.1:8080/`.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use bytes::Bytes;
use grove::compat::hyper::{GroveTimer, HyperIo};
use grove::net::TcpListener;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    grove::run(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("hyper_server listening on http://{}", listener.local_addr()?);
        // Not Send: fine, every connection runs on this thread.
        let served = Rc::new(Cell::new(0u64));
        loop {
            let (stream, _) = listener.accept().await?;
            // Only a latency hint: a connection already reset may refuse it.
            let _ = stream.set_nodelay(true);
            let served = served.clone();
            grove::spawn(async move {
                let service = service_fn(move |_request: Request<Incoming>| {
                    served.set(served.get() + 1);
                    async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"Hello, world!")))) }
                });
                let connection = http1::Builder::new()
                    .timer(GroveTimer)
                    .keep_alive(true)
                    .serve_connection(HyperIo::new(stream), service);
                if let Err(e) = connection.await {
                    eprintln!("connection error: {e}");
                }
            });
        }
    })
}
