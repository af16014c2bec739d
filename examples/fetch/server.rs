//! The local server of local mode, on hyper in the same runtime: http and
//! https (HTTP/2 by ALPN), serving the pages of `pages.rs` in each of
//! their kinds, and a few routes that the tests use to check redirects
//! and what the client sends.

use std::cell::Cell;
use std::convert::Infallible;
use std::io;
use std::io::Write;
use std::net::SocketAddr;
use std::ops::Range;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use futures::{AsyncRead, AsyncWrite};
use grove::compat::hyper::{GroveExecutor, GroveTimer, HyperIo};
use grove::net::TcpListener;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, LOCATION};
use http::{Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::{http1, http2};

use crate::pages::{self, Kind};
use crate::tls::LocalCerts;

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The running server: where it listens, what a client must trust, and
/// its connections.
pub struct LocalServer {
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub certs: LocalCerts,
    /// Connections accepted so far.
    pub accepted: Rc<Cell<u64>>,
    /// Connections still open.
    pub open: Rc<Cell<u64>>,
}

impl LocalServer {
    /// Binds both listeners on 127.0.0.1 and starts serving.
    pub async fn start() -> io::Result<LocalServer> {
        let certs = LocalCerts::generate()?;
        let plain = TcpListener::bind("127.0.0.1:0").await?;
        let tls = TcpListener::bind("127.0.0.1:0").await?;
        let server = LocalServer {
            http: plain.local_addr()?,
            https: tls.local_addr()?,
            certs,
            accepted: Rc::default(),
            open: Rc::default(),
        };
        let acceptor = futures_rustls::TlsAcceptor::from(server.certs.server_config());
        let site = Rc::new(Site { http: server.http });
        let counts = (server.accepted.clone(), server.open.clone());
        grove::spawn(accept(plain, None, site.clone(), counts.clone()));
        grove::spawn(accept(tls, Some(acceptor), site, counts));
        Ok(server)
    }

    /// The local-mode URLs of the pages in `pages`, each made as it is
    /// taken: a run of millions holds none of them ahead.
    pub fn page_urls(&self, pages: Range<u32>) -> impl Iterator<Item = String> + 'static {
        let (http, https_port) = (self.http, self.https.port());
        pages.map(move |n| url_of_page(http, https_port, n))
    }
}

/// Page `n` of the local server at `http` (plain) and `https_port`.
fn url_of_page(http: SocketAddr, https_port: u16, n: u32) -> String {
    if pages::over_https(n) {
        format!("https://localhost:{https_port}/page/{n}")
    } else {
        format!("http://{http}/page/{n}")
    }
}

async fn accept(
    listener: TcpListener,
    tls: Option<futures_rustls::TlsAcceptor>,
    site: Rc<Site>,
    (accepted, open): (Rc<Cell<u64>>, Rc<Cell<u64>>),
) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: wait a little rather than spin.
                eprintln!("local server: {e}");
                grove::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        accepted.set(accepted.get() + 1);
        open.set(open.get() + 1);
        let (site, tls, open) = (site.clone(), tls.clone(), open.clone());
        grove::spawn(async move {
            let _ = stream.set_nodelay(true);
            match tls {
                None => serve(stream, false, site).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => {
                        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                        serve(stream, h2, site).await
                    }
                    Err(e) => eprintln!("local server: TLS: {e}"),
                },
            }
            open.set(open.get() - 1);
        });
    }
}

/// Serves one connection until the client closes it.
async fn serve<T: AsyncRead + AsyncWrite + Unpin + 'static>(io: T, h2: bool, site: Rc<Site>) {
    let service = hyper::service::service_fn(move |request| {
        let site = site.clone();
        async move { Ok::<_, Infallible>(site.answer(request).await) }
    });
    let io = HyperIo::new(io);
    // An HTTP/1.1 client that sends no request head for 30 s is dropped
    // (a TLS handshake or an HTTP/2 connection has no such limit here); a
    // failed connection only ends itself.
    let _ = if h2 {
        http2::Builder::new(GroveExecutor)
            .timer(GroveTimer)
            .serve_connection(io, service)
            .await
    } else {
        http1::Builder::new()
            .timer(GroveTimer)
            .header_read_timeout(Duration::from_secs(30))
            .serve_connection(io, service)
            .await
    };
}

struct Site {
    /// The server's own http address, for the downgrade route.
    http: SocketAddr,
}

impl Site {
    async fn answer(&self, request: Request<Incoming>) -> Response<Body> {
        let path = request.uri().path().to_owned();
        let accepts = |coding: &str| {
            request
                .headers()
                .get(ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|c| c.trim().eq_ignore_ascii_case(coding)))
        };
        let number = |prefix: &str| path.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok());
        if let Some(n) = number("/page/") {
            return match Kind::of(n) {
                Kind::Gzip if accepts("gzip") => encoded(n, "gzip"),
                Kind::Deflate if accepts("deflate") => encoded(n, "deflate"),
                Kind::Chunked => chunked(pages::body(n)),
                Kind::Redirect(status) => redirect(status, &format!("/moved/{n}")),
                _ => plain(pages::body(n)),
            };
        }
        if let Some(n) = number("/moved/") {
            return plain(pages::body(n));
        }
        if let Some(n) = number("/chain/") {
            return match n {
                0 => plain(b"end of the chain".to_vec()),
                n => redirect(302, &format!("/chain/{}", n - 1)),
            };
        }
        if let Some(status) = number("/redirect/") {
            // `/redirect/CODE?to=TARGET`
            let target = request
                .uri()
                .query()
                .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "to"))
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| "/".to_owned());
            return redirect(status as u16, &target);
        }
        match path.as_str() {
            "/loop" => redirect(302, "/loop"),
            "/downgrade" => redirect(302, &format!("http://{}/page/0", self.http)),
            "/echo" => echo(request).await,
            _ => status_only(StatusCode::NOT_FOUND),
        }
    }
}

fn plain(body: Vec<u8>) -> Response<Body> {
    Response::new(Full::new(Bytes::from(body)).boxed_unsync())
}

fn encoded(n: u32, coding: &'static str) -> Response<Body> {
    let body = pages::body(n);
    let compressed = match coding {
        "gzip" => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(&body).and_then(|()| encoder.finish())
        }
        _ => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(&body).and_then(|()| encoder.finish())
        }
    };
    let mut response = plain(compressed.expect("compressing into a Vec cannot fail"));
    response
        .headers_mut()
        .insert(CONTENT_ENCODING, http::HeaderValue::from_static(coding));
    response
}

/// A body of unknown length, in 4 KB frames: chunked over HTTP/1.1.
fn chunked(body: Vec<u8>) -> Response<Body> {
    let body = Bytes::from(body);
    let frames: Vec<_> = (0..body.len())
        .step_by(4000)
        .map(|at| Ok(Frame::data(body.slice(at..body.len().min(at + 4000)))))
        .collect();
    Response::new(StreamBody::new(futures::stream::iter(frames)).boxed_unsync())
}

fn redirect(status: u16, location: &str) -> Response<Body> {
    let mut response = status_only(StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND));
    if let Ok(location) = http::HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn status_only(status: StatusCode) -> Response<Body> {
    let mut response = plain(Vec::new());
    *response.status_mut() = status;
    response
}

/// The request as the server saw it: the method and body on the first
/// line, then one `name: value` line per header.
async fn echo(request: Request<Incoming>) -> Response<Body> {
    let (head, body) = request.into_parts();
    let body = match http_body_util::Limited::new(body, 64 << 10).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return status_only(StatusCode::PAYLOAD_TOO_LARGE),
    };
    let mut text = format!("{} {}\n", head.method, String::from_utf8_lossy(&body));
    for (name, value) in &head.headers {
        text.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())));
    }
    plain(text.into_bytes())
}
