//! A small HTTP/1.1 client: `GET` one URL over a fresh connection and read
//! the whole body, whether framed by `Content-Length`, chunked, or ended by
//! the server closing the connection.

use std::fmt;
use std::io;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::TcpStream;

/// Why a fetch failed, in one line.
#[derive(Debug)]
pub enum FetchError {
    /// Not an `http://host[:port]/path` URL.
    BadUrl(String),
    /// Connecting, writing or reading failed (refused, reset, bad host...).
    Io(io::Error),
    /// No answer within the time allowed.
    TimedOut(Duration),
    /// The response is not HTTP/1.1 as we know it.
    Malformed(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadUrl(why) => write!(f, "bad URL: {why}"),
            FetchError::Io(e) => write!(f, "{e}"),
            FetchError::TimedOut(after) => write!(f, "timed out after {after:?}"),
            FetchError::Malformed(why) => write!(f, "malformed response: {why}"),
        }
    }
}

impl From<io::Error> for FetchError {
    fn from(e: io::Error) -> FetchError {
        FetchError::Io(e)
    }
}

/// A response: its status code and its whole body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The parts of an `http://` URL.
struct Url<'a> {
    host: &'a str,
    port: u16,
    path: &'a str,
}

fn parse_url(url: &str) -> Result<Url<'_>, FetchError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| FetchError::BadUrl(format!("{url} is not an http:// URL")))?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            let port = port
                .parse()
                .map_err(|_| FetchError::BadUrl(format!("bad port in {url}")))?;
            (host, port)
        }
        _ => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(FetchError::BadUrl(format!("no host in {url}")));
    }
    Ok(Url { host, port, path })
}

/// Fetches `url`, giving up after `timeout`.
pub async fn get(url: &str, timeout: Duration) -> Result<Response, FetchError> {
    match grove::timeout(timeout, get_inner(url)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::TimedOut(timeout)),
    }
}

async fn get_inner(url: &str) -> Result<Response, FetchError> {
    let Url { host, port, path } = parse_url(url)?;
    let mut stream = TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: grove-fetch\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut reader = Reader {
        stream,
        buf: Vec::with_capacity(16 * 1024),
        start: 0,
    };
    let (status, framing) = reader.head().await?;
    let body = match framing {
        Framing::Length(len) => reader.exactly(len).await?,
        Framing::Chunked => reader.chunked().await?,
        Framing::UntilClose => reader.until_close().await?,
    };
    Ok(Response { status, body })
}

/// How the body's end is marked.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// The connection, with the bytes read but not yet consumed.
struct Reader {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
}

impl Reader {
    /// Reads more bytes; an error if the server closed the connection.
    async fn fill(&mut self) -> Result<(), FetchError> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + 16 * 1024, 0);
        let n = self.stream.read(&mut self.buf[len..]).await?;
        self.buf.truncate(len + n);
        if n == 0 {
            return Err(FetchError::Malformed("the connection closed early".into()));
        }
        Ok(())
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads and parses the status line and headers.
    async fn head(&mut self) -> Result<(u16, Framing), FetchError> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(self.pending()) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = response.code.unwrap_or(0);
                    let framing = framing(response.headers)?;
                    self.start += len;
                    return Ok((status, framing));
                }
                Ok(httparse::Status::Partial) if self.pending().len() < 64 * 1024 => self.fill().await?,
                Ok(httparse::Status::Partial) => return Err(FetchError::Malformed("headers over 64 KiB".into())),
                Err(e) => return Err(FetchError::Malformed(e.to_string())),
            }
        }
    }

    async fn exactly(&mut self, len: usize) -> Result<Vec<u8>, FetchError> {
        while self.pending().len() < len {
            self.fill().await?;
        }
        let body = self.pending()[..len].to_vec();
        self.start += len;
        Ok(body)
    }

    async fn line(&mut self) -> Result<String, FetchError> {
        loop {
            if let Some(end) = self.pending().windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.pending()[..end]).into_owned();
                self.start += end + 2;
                return Ok(line);
            }
            if self.pending().len() > 4096 {
                return Err(FetchError::Malformed("chunk size line too long".into()));
            }
            self.fill().await?;
        }
    }

    async fn chunked(&mut self) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        loop {
            let line = self.line().await?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| FetchError::Malformed(format!("bad chunk size {size:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.line().await?.is_empty() {}
                return Ok(body);
            }
            body.extend_from_slice(&self.exactly(size).await?);
            if !self.line().await?.is_empty() {
                return Err(FetchError::Malformed("chunk not followed by CRLF".into()));
            }
        }
    }

    async fn until_close(&mut self) -> Result<Vec<u8>, FetchError> {
        let mut body = self.pending().to_vec();
        self.stream.read_to_end(&mut body).await?;
        Ok(body)
    }
}

fn framing(headers: &[httparse::Header<'_>]) -> Result<Framing, FetchError> {
    let value = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    if value("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        return Ok(Framing::Chunked);
    }
    match value("content-length") {
        Some(len) => len
            .parse()
            .map(Framing::Length)
            .map_err(|_| FetchError::Malformed(format!("bad Content-Length {len:?}"))),
        None => Ok(Framing::UntilClose),
    }
}
