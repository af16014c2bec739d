//! hyper 1.x on grove: a hyper client against a hyper server in one
//! runtime, over HTTP/1.1 and HTTP/2, many requests, bodies checked.
#![cfg(feature = "hyper")]

use std::cell::Cell;
use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;

use bytes::Bytes;
use grove::compat::hyper::{GroveExecutor, GroveTimer, HyperIo};
use grove::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};

/// Echoes each request's body back, reversed, with the path in a header.
async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = request.uri().path().to_owned();
    let mut body = request.into_body().collect().await?.to_bytes().to_vec();
    body.reverse();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert("x-path", path.parse().unwrap());
    Ok(response)
}

thread_local! {
    /// Connections the server saw fail; each test checks there were none.
    static SERVER_ERRORS: Cell<usize> = const { Cell::new(0) };
}

/// Serves every connection of `listener`, over HTTP/1.1 or HTTP/2.
/// Counts requests in a `!Send` cell, which the executor must allow.
fn serve(listener: TcpListener, http2: bool, served: Rc<Cell<usize>>) {
    grove::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let served = served.clone();
            grove::spawn(async move {
                let service = service_fn(move |request| {
                    served.set(served.get() + 1);
                    echo(request)
                });
                let io = HyperIo::new(stream);
                let result = if http2 {
                    hyper::server::conn::http2::Builder::new(GroveExecutor)
                        .timer(GroveTimer)
                        .serve_connection(io, service)
                        .await
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .timer(GroveTimer)
                        .serve_connection(io, service)
                        .await
                };
                if let Err(e) = result {
                    eprintln!("server connection failed: {e}");
                    SERVER_ERRORS.with(|n| n.set(n.get() + 1));
                }
            });
        }
    });
}

fn request(n: usize) -> (Request<Full<Bytes>>, Vec<u8>) {
    let body: Vec<u8> = (0..n * 37 % 5000).map(|i| (i * 7 + n) as u8).collect();
    let request = Request::post(format!("/item/{n}"))
        .header("host", "localhost")
        .body(Full::new(Bytes::from(body.clone())))
        .unwrap();
    let mut expected = body;
    expected.reverse();
    (request, expected)
}

/// Sends request `n` through `send` and checks the echo.
async fn exchange<F>(n: usize, send: impl FnOnce(Request<Full<Bytes>>) -> F)
where
    F: Future<Output = hyper::Result<Response<Incoming>>>,
{
    let (request, expected) = request(n);
    let response = send(request).await.unwrap();
    check(response, n, &expected).await;
}

async fn check(response: Response<Incoming>, n: usize, expected: &[u8]) {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-path"], format!("/item/{n}").as_str());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], expected, "body of request {n}");
}

/// Runs `clients` against a fresh server (HTTP/2 or HTTP/1.1) in one
/// runtime, checks the server saw no error, and returns how many requests
/// it served.
fn against_server<F: Future<Output = ()>>(http2: bool, clients: impl FnOnce(SocketAddr) -> F) -> usize {
    let served = Rc::new(Cell::new(0));
    grove::run({
        let served = served.clone();
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            serve(listener, http2, served);
            clients(addr).await;
        }
    });
    assert_eq!(SERVER_ERRORS.with(Cell::get), 0);
    served.get()
}

#[test]
fn http1_client_and_server_in_one_runtime() {
    let served = against_server(false, |addr| async move {
        // Four keep-alive connections, 100 requests each, side by side.
        let clients: Vec<_> = (0..4)
            .map(|c| {
                grove::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let (mut sender, connection) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
                        .await
                        .unwrap();
                    grove::spawn(connection);
                    for i in 0..100 {
                        exchange(c * 100 + i, |r| sender.send_request(r)).await;
                    }
                })
            })
            .collect();
        grove::joinall(clients).await.into_iter().for_each(Result::unwrap);
    });
    assert_eq!(served, 400);
}

#[test]
fn http2_client_and_server_in_one_runtime() {
    let served = against_server(true, |addr| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, connection) = hyper::client::conn::http2::Builder::new(GroveExecutor)
            .timer(GroveTimer)
            .handshake(HyperIo::new(stream))
            .await
            .unwrap();
        grove::spawn(connection);
        // 300 requests multiplexed on one connection, all at once.
        let requests: Vec<_> = (0..300)
            .map(|n| {
                let mut sender = sender.clone();
                grove::spawn(async move { exchange(n, |r| sender.send_request(r)).await })
            })
            .collect();
        grove::joinall(requests).await.into_iter().for_each(Result::unwrap);
    });
    assert_eq!(served, 300);
}

#[test]
fn the_timer_resets_its_own_sleeps() {
    use hyper::rt::Timer;
    use std::time::{Duration, Instant};
    grove::run(async {
        let start = Instant::now();
        let mut sleep = GroveTimer.sleep(Duration::from_secs(60));
        GroveTimer.reset(&mut sleep, Instant::now() + Duration::from_millis(5));
        grove::timeout(Duration::from_secs(10), sleep)
            .await
            .expect("the reset did not move the deadline");
        assert!(
            start.elapsed() >= Duration::from_millis(5),
            "woke before the new deadline"
        );
    });
}

/// hyper's own timeouts run on GroveTimer: a client that never sends its
/// request head is cut off after the header read timeout.
#[test]
fn hypers_header_read_timeout_fires_on_grove_timers() {
    use futures::AsyncReadExt;
    use std::time::{Duration, Instant};
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = grove::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service_fn(echo);
            hyper::server::conn::http1::Builder::new()
                .timer(GroveTimer)
                .header_read_timeout(Duration::from_millis(50))
                .serve_connection(HyperIo::new(stream), service)
                .await
        });
        let start = Instant::now();
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let mut rest = Vec::new();
        let read = grove::timeout(Duration::from_secs(10), silent.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "the server never closed the silent connection");
        assert!(start.elapsed() >= Duration::from_millis(50));
        let err = server.await.unwrap().unwrap_err();
        assert!(err.is_timeout(), "{err}");
    });
}
