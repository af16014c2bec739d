//! What `requests.get` does, on hyper: pooled connections, redirects by the
//! browser rules, gzip and deflate, and caps on what a server can make the
//! client hold.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::header::{ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, HOST, LOCATION, USER_AGENT};
use http::{HeaderValue, Method, Request, StatusCode, Version};
use http_body_util::Full;
use url::Url;

use crate::body;
use crate::connect::{Connector, Origin, Sender};
use crate::error::FetchError;
use crate::pool::{Lease, Pool};

/// What a client holds to: caps, the pool's size and patience.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most a response body may take, received or decoded.
    pub max_body: usize,
    /// The most a response head may take.
    pub max_head: usize,
    /// The most connections open to one origin at once.
    pub per_origin: usize,
    /// How long an idle connection is kept for reuse.
    pub idle_timeout: Duration,
    /// The most redirects followed for one request.
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 10 << 20,
            max_head: 64 << 10,
            per_origin: 10,
            idle_timeout: Duration::from_secs(30),
            max_redirects: 10,
        }
    }
}

/// A fetched page.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub version: Version,
    /// Where the page was found, after redirects.
    pub url: Url,
    /// The body, decoded.
    pub body: Vec<u8>,
}

/// Counts over the client's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub opened: u64,
    pub reused: u64,
    pub handshakes: u64,
}

/// An HTTP client for one grove runtime.
pub struct Client {
    pool: Pool,
    connector: Connector,
    limits: Limits,
}

impl Client {
    /// A client trusting what `tls` trusts; see `tls::client_config`.
    pub fn new(tls: Arc<rustls::ClientConfig>, limits: Limits) -> Client {
        Client {
            pool: Pool::new(limits.per_origin, limits.idle_timeout),
            connector: Connector::new(tls, limits.max_head),
            limits,
        }
    }

    pub fn stats(&self) -> Stats {
        Stats {
            opened: self.connector.stats.opened.get(),
            reused: self.pool.reused(),
            handshakes: self.connector.stats.handshakes.get(),
        }
    }

    /// `GET url`, following redirects.
    pub async fn get(&self, url: &str) -> Result<Page, FetchError> {
        self.request(Method::GET, url, Bytes::new()).await
    }

    /// `method url` with `body`, following redirects: 303 turns into GET,
    /// as do 301 and 302 after a POST; 307 and 308 keep the method and the
    /// body. Credentials from the URL go only to its own origin, and a
    /// redirect from https to http is refused.
    pub async fn request(&self, mut method: Method, url: &str, mut body: Bytes) -> Result<Page, FetchError> {
        let mut url = Url::parse(url).map_err(|e| FetchError::BadUrl(format!("{url:?}: {e}")))?;
        let mut credentials = take_credentials(&mut url);
        let mut origin = Origin::of(&url)?;
        let mut credentials_origin = origin.clone();
        // The requests that answered with a redirect, to catch a loop.
        let mut redirected = HashSet::new();
        loop {
            let (response, mut lease) = self
                .exchange(&origin, &method, &url, &body, credentials.as_ref())
                .await?;
            let (head, incoming) = response.into_parts();
            let location = match head.status {
                StatusCode::MOVED_PERMANENTLY
                | StatusCode::FOUND
                | StatusCode::SEE_OTHER
                | StatusCode::TEMPORARY_REDIRECT
                | StatusCode::PERMANENT_REDIRECT => head.headers.get(LOCATION).cloned(),
                _ => None,
            };
            let Some(location) = location else {
                let body = body::read(incoming, &head.headers, self.limits.max_body).await?;
                lease.keep();
                return Ok(Page {
                    status: head.status,
                    version: head.version,
                    url,
                    body,
                });
            };
            // Read what the redirect carries, so its connection can serve
            // the next request; a failure only costs the connection.
            if body::read(incoming, &head.headers, self.limits.max_body).await.is_ok() {
                lease.keep();
            }
            drop(lease);
            if redirected.len() >= self.limits.max_redirects {
                return Err(FetchError::TooManyRedirects(self.limits.max_redirects));
            }
            let next = location
                .to_str()
                .ok()
                .and_then(|location| url.join(location).ok())
                .ok_or_else(|| FetchError::BadRedirect(format!("unusable Location {location:?}")))?;
            if url.scheme() == "https" && next.scheme() == "http" {
                return Err(FetchError::InsecureRedirect(next));
            }
            redirected.insert((method.clone(), url));
            let to_get = match head.status {
                StatusCode::SEE_OTHER => method != Method::HEAD,
                StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => method == Method::POST,
                _ => false,
            };
            if to_get {
                method = Method::GET;
                body = Bytes::new();
            }
            if redirected.contains(&(method.clone(), next.clone())) {
                return Err(FetchError::RedirectLoop(next));
            }
            url = next;
            origin = Origin::of(&url)?;
            if let Some(new) = take_credentials(&mut url) {
                credentials = Some(new);
                credentials_origin = origin.clone();
            } else if origin != credentials_origin {
                credentials = None;
            }
        }
    }

    /// One request and its response head, on a pooled connection. A reused
    /// connection that turns out dead is replaced once, for methods that
    /// are safe to send twice.
    async fn exchange(
        &self,
        origin: &Origin,
        method: &Method,
        url: &Url,
        body: &Bytes,
        credentials: Option<&HeaderValue>,
    ) -> Result<(hyper::Response<hyper::body::Incoming>, Lease), FetchError> {
        let mut lease = self.pool.checkout(origin, &self.connector).await?;
        let sent = {
            let request = build(lease.sender(), method, url, body, credentials)?;
            lease.sender().send(request).await
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) if lease.reused && method.is_idempotent() && is_dead_connection(&e) => {
                self.pool.reconnect(&mut lease, origin, &self.connector).await?;
                let request = build(lease.sender(), method, url, body, credentials)?;
                lease
                    .sender()
                    .send(request)
                    .await
                    .map_err(http_error(self.limits.max_head))?
            }
            Err(e) => return Err(http_error(self.limits.max_head)(e)),
        };
        Ok((response, lease))
    }
}

/// The request for `url` over `sender`: HTTP/1.1 takes the path and a
/// `Host` header, HTTP/2 the whole URL.
fn build(
    sender: &Sender,
    method: &Method,
    url: &Url,
    body: &Bytes,
    credentials: Option<&HeaderValue>,
) -> Result<Request<Full<Bytes>>, FetchError> {
    let bad = |e: http::Error| FetchError::BadUrl(format!("{url}: {e}"));
    let mut request = if sender.is_h2() {
        Request::builder().uri(url.as_str())
    } else {
        let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
        let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
        Request::builder().uri(target).header(HOST, host)
    };
    request = request
        .method(method.clone())
        .header(USER_AGENT, HeaderValue::from_static("grove-fetch/0.1"))
        .header(ACCEPT, HeaderValue::from_static("*/*"))
        .header(ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate"));
    if let Some(credentials) = credentials {
        request = request.header(AUTHORIZATION, credentials);
    }
    request.body(Full::new(body.clone())).map_err(bad)
}

/// Whether a send failed because the pooled connection had closed under
/// it, before the server could have seen the request.
fn is_dead_connection(e: &hyper::Error) -> bool {
    e.is_canceled() || e.is_closed() || e.is_incomplete_message()
}

fn http_error(max_head: usize) -> impl Fn(hyper::Error) -> FetchError {
    move |e| {
        if e.is_parse_too_large() {
            FetchError::HeadTooLarge { limit: max_head }
        } else {
            FetchError::Http(e)
        }
    }
}

/// Takes `user:password@` out of `url`, as a Basic `Authorization` value.
fn take_credentials(url: &mut Url) -> Option<HeaderValue> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let pair = format!(
        "{}:{}",
        percent_decode(url.username()),
        percent_decode(url.password().unwrap_or(""))
    );
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).expect("base64 is a valid header value");
    value.set_sensitive(true);
    Some(value)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}
