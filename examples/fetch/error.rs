//! Why a URL failed, in one line: the fetcher prints it beside the URL and
//! goes on with the others.

use std::fmt;
use std::io;
use std::time::Duration;

use url::Url;

/// Everything that can go wrong with one URL.
#[derive(Debug)]
pub enum FetchError {
    /// Not a URL at all.
    BadUrl(String),
    /// A scheme other than http and https.
    UnsupportedScheme(String),
    /// The host name has no address.
    Resolve { host: String, error: io::Error },
    /// No TCP connection: refused, unreachable, out of descriptors.
    Connect { host: String, error: io::Error },
    /// The TLS handshake failed: a certificate that does not verify, say.
    Tls(io::Error),
    /// The server broke HTTP (a bad status line, a bad chunk size).
    Http(hyper::Error),
    /// The response head is larger than the cap.
    HeadTooLarge { limit: usize },
    /// The body is larger than the cap, or says it will be.
    BodyTooLarge { limit: usize, declared: Option<u64> },
    /// The connection closed before the body was complete.
    BodyCutShort { after: usize },
    /// A `Content-Encoding` that is not gzip or deflate, or a corrupt one.
    Encoding(String),
    /// More than the limit of redirects in a row.
    TooManyRedirects(usize),
    /// A redirect back to a URL already visited.
    RedirectLoop(Url),
    /// A redirect from https to http.
    InsecureRedirect(Url),
    /// A redirect with no usable `Location`.
    BadRedirect(String),
    /// The whole fetch took longer than the timeout.
    TimedOut(Duration),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadUrl(why) => write!(f, "bad URL: {why}"),
            FetchError::UnsupportedScheme(scheme) => write!(f, "unsupported scheme {scheme:?}: only http and https"),
            FetchError::Resolve { host, error } => write!(f, "cannot resolve {host}: {error}"),
            FetchError::Connect { host, error } => write!(f, "cannot connect to {host}: {error}"),
            FetchError::Tls(error) => write!(f, "TLS handshake failed: {error}"),
            FetchError::Http(error) => write!(f, "HTTP error: {error}"),
            FetchError::HeadTooLarge { limit } => write!(f, "response head over the cap of {limit} bytes"),
            FetchError::BodyTooLarge {
                limit,
                declared: Some(size),
            } => {
                write!(f, "body of {size} bytes declared, over the cap of {limit} (--max-body)")
            }
            FetchError::BodyTooLarge { limit, declared: None } => {
                write!(f, "body over the cap of {limit} bytes (--max-body)")
            }
            FetchError::BodyCutShort { after } => write!(f, "body cut short after {after} bytes"),
            FetchError::Encoding(why) => write!(f, "cannot decode the body: {why}"),
            FetchError::TooManyRedirects(limit) => write!(f, "more than {limit} redirects"),
            FetchError::RedirectLoop(url) => write!(f, "redirect loop back to {url}"),
            FetchError::InsecureRedirect(url) => write!(f, "refused a redirect from https to {url}"),
            FetchError::BadRedirect(why) => write!(f, "bad redirect: {why}"),
            FetchError::TimedOut(limit) => write!(f, "no complete answer within {limit:?} (--timeout)"),
        }
    }
}

impl std::error::Error for FetchError {}
