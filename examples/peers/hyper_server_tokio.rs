//! The peer of `examples/hyper_server.rs` in `benches/http.sh`: the same
//! hyper 1.x keep-alive server answering `Hello, world!`, on tokio's
//! current_thread runtime with a `LocalSet` (the service holds the same
//! `!Send` counter) and hyper-util's `TokioIo`.
//!
//! Run it with `cargo run --release --example hyper_server_tokio [ADDR]`
//! (default 127.0.0.1:8080).

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

#[path = "listen.rs"]
mod listen;
#[path = "tokio_accept.rs"]
mod tokio_accept;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let listener = listen::listen(&addr)?;
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        eprintln!("hyper_server_tokio listening on http://{}", listener.local_addr()?);
        let served = Rc::new(Cell::new(0u64));
        loop {
            let stream = tokio_accept::accept(&listener).await;
            if let Err(e) = stream.set_nodelay(true) {
                eprintln!("set_nodelay: {e}");
                continue;
            }
            let served = served.clone();
            tokio::task::spawn_local(async move {
                let service = service_fn(move |_request: Request<Incoming>| {
                    served.set(served.get() + 1);
                    async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"Hello, world!")))) }
                });
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                if let Err(e) = connection.await {
                    eprintln!("connection error: {e}");
                }
            });
        }
    })
}
