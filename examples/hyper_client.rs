//! hyper 1.x as an HTTP/1.1 client on grove: fetches a URL through
//! `hyper::client::conn::http1::handshake` over grove's `TcpStream`.
//!
//! The smallest client: plain http, one request, no pool, with a timeout
//! over the whole exchange and a cap on the body it holds. The fetch
//! example (`examples/fetch/`) adds https, HTTP/2, pooling, redirects and
//! decoding.
//!
//! Run it with `cargo run --example hyper_client URL`, for example against
//! `examples/hyper_server.rs`:
//! `cargo run --example hyper_client http://127.0.0.1:8080/`.

use std::time::Duration;

use bytes::Bytes;
use grove::compat::hyper::HyperIo;
use grove::net::TcpStream;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Request;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The most the whole exchange may take: connect, request, and body.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The largest body held in memory.
const MAX_BODY: usize = 16 << 20;

fn main() -> std::process::ExitCode {
    match fetch() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hyper_client: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn fetch() -> Result<(), Error> {
    let url: hyper::Uri = std::env::args()
        .nth(1)
        .ok_or("usage: hyper_client http://host[:port]/path")?
        .parse()?;
    if url.scheme_str() != Some("http") {
        return Err("only http:// URLs".into());
    }
    let authority = url.authority().ok_or("the URL has no host")?.to_string();
    // `Uri::host` keeps an IPv6 address's brackets; the resolver wants it bare.
    let host = url
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_u16().unwrap_or(80);
    let exchange = async move {
        let stream = TcpStream::connect((host.as_str(), port)).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(HyperIo::new(stream)).await?;
        // The connection is driven by its own green task.
        grove::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("connection error: {e}");
            }
        });
        let path = url.path_and_query().map_or("/", |p| p.as_str());
        let request = Request::get(path)
            .header("host", authority.as_str())
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        println!("{} {:?}", response.status(), response.version());
        for (name, value) in response.headers() {
            println!("{name}: {}", value.to_str().unwrap_or("<binary>"));
        }
        let body = Limited::new(response.into_body(), MAX_BODY).collect().await?.to_bytes();
        println!("\n{} bytes received from {url}", body.len());
        Ok::<(), Error>(())
    };
    grove::run(async move {
        grove::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no full answer within {TIMEOUT:?}"))?
    })
}
