//! The protocol side of the `hello_http` servers: framing requests out of a
//! connection's bytes and answering each with `Hello, world!`. The grove
//! server and its tokio and thread-per-connection twins in `examples/peers/`
//! all use it, so that the `wrk` benchmark compares their I/O and nothing
//! else, and so that all three refuse the same bad input.
//!
//! A request is a head (parsed by `httparse`) and a body framed by
//! `Content-Length` or `Transfer-Encoding: chunked`; the body is read and
//! dropped, so bytes of a body are never taken for the next request. What
//! it accepts is capped, and a request over a cap is refused with its
//! status and the connection closed:
//! - a head of at most [`MAX_HEAD`] bytes and [`MAX_HEADERS`] fields (`431`);
//! - a body of at most [`MAX_BODY`] bytes (`413`);
//! - a chunk-size line of at most [`MAX_CHUNK_LINE`] bytes (`400`).
//!
//! A head must arrive whole within the head timeout ([`HEAD_TIMEOUT`] by
//! default) of the connection's start or of the previous answer (the
//! keep-alive idle time counts), and a body must make progress at least
//! that often; the server asks [`Conn::deadline`] and closes the connection
//! when it passes, with a `408` if a request was under way.

use std::time::{Duration, Instant};

/// The largest request head, and the connection's buffer size.
pub const MAX_HEAD: usize = 8 * 1024;
/// The most header fields in a head.
pub const MAX_HEADERS: usize = 32;
/// The largest request body.
pub const MAX_BODY: u64 = 1 << 20;
/// The longest chunk-size line (size, extensions and CRLF).
pub const MAX_CHUNK_LINE: usize = 4 * 1024;
/// How long a head may take to arrive, and a body to make progress, by
/// default.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";
const CLOSING: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const TIMEOUT: &[u8] = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const TOO_LARGE: &[u8] = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const HEAD_TOO_LARGE: &[u8] =
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Where the connection is in the current request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Waiting for (the rest of) a head.
    Head,
    /// Reading `left` more bytes of a body, then answering (and closing, if
    /// `close`).
    Body { left: u64, close: bool },
    /// Reading a chunked body: in `chunk`, `total` bytes so far.
    Chunked { chunk: Chunk, total: u64, close: bool },
}

/// Where a chunked body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// A chunk-size line.
    Size,
    /// `left` bytes of chunk data, then its CRLF.
    Data { left: u64 },
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer fields after the last chunk, up to an empty line.
    Trailers,
}

/// One connection's buffer, the answers to send, and where its current
/// request is.
pub struct Conn {
    buf: Vec<u8>,
    filled: usize,
    out: Vec<u8>,
    parser: Parser,
}

/// Where the current request is, and since when: all of a connection but
/// its bytes, so that it can parse them in place.
struct Parser {
    part: Part,
    /// When the current head began to be awaited, or the body last moved.
    since: Instant,
    /// How long the client may take from `since`.
    timeout: Duration,
}

/// What a step of parsing found.
enum Step {
    /// Go on with the bytes that are left.
    Go,
    /// Wait for more bytes.
    More,
    /// A request was answered and the connection closes after it.
    Close,
    /// Refuse with this answer, and close.
    Refuse(&'static [u8]),
}

impl Conn {
    /// A connection that starts `now`, whose client may take `head_timeout`
    /// to send a head, or between two reads of a body.
    pub fn new(now: Instant, head_timeout: Duration) -> Conn {
        Conn {
            buf: vec![0; MAX_HEAD],
            filled: 0,
            out: Vec::with_capacity(1024),
            parser: Parser {
                part: Part::Head,
                since: now,
                timeout: head_timeout,
            },
        }
    }

    /// Where the next read goes.
    pub fn spare(&mut self) -> &mut [u8] {
        &mut self.buf[self.filled..]
    }

    /// When the connection gives up waiting for the client: a head not whole
    /// by then, or a body that has not moved since.
    pub fn deadline(&self) -> Instant {
        self.parser.since + self.parser.timeout
    }

    /// The answer to send when the deadline has passed: a `408` if a request
    /// was under way, nothing if the connection was idle. Either way the
    /// connection closes.
    pub fn timed_out(&self) -> &'static [u8] {
        if self.parser.part == Part::Head && self.filled == 0 {
            b""
        } else {
            TIMEOUT
        }
    }

    /// Takes in `n` bytes just read into [`spare`](Conn::spare) at `now`,
    /// and answers every complete request among them, pipelined ones
    /// included. Returns the bytes to send, and whether the connection
    /// closes after them: the client asked to, or a request was refused.
    pub fn received(&mut self, n: usize, now: Instant) -> (&[u8], bool) {
        self.filled += n;
        self.out.clear();
        if self.parser.part != Part::Head && n > 0 {
            self.parser.since = now;
        }
        let mut start = 0;
        let close = loop {
            let (step, used) = self.parser.step(&self.buf[start..self.filled], &mut self.out, now);
            start += used;
            match step {
                Step::Go => {}
                Step::More => break false,
                Step::Close => break true,
                Step::Refuse(answer) => {
                    self.out.extend_from_slice(answer);
                    break true;
                }
            }
        };
        self.buf.copy_within(start..self.filled, 0);
        self.filled -= start;
        if !close && self.filled == self.buf.len() {
            // A head (or a trailer section) as large as the buffer, not done.
            self.out.extend_from_slice(HEAD_TOO_LARGE);
            return (&self.out, true);
        }
        (&self.out, close)
    }
}

impl Parser {
    /// Parses what `bytes` (the unparsed input) allows in the current part,
    /// writing answers to `out`: the step taken and how many bytes it used.
    fn step(&mut self, bytes: &[u8], out: &mut Vec<u8>, now: Instant) -> (Step, usize) {
        match self.part {
            Part::Head => self.head(bytes, out, now),
            Part::Body { left, close } => {
                let used = left.min(bytes.len() as u64);
                let left = left - used;
                self.part = Part::Body { left, close };
                if left == 0 {
                    return (self.answer(close, out, now), used as usize);
                }
                (Step::More, used as usize)
            }
            Part::Chunked { chunk, total, close } => self.chunked(bytes, (chunk, total, close), out, now),
        }
    }

    /// Parses a head, and sets up its body.
    fn head(&mut self, bytes: &[u8], out: &mut Vec<u8>, now: Instant) -> (Step, usize) {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        let len = match request.parse(bytes) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return (Step::More, 0),
            Err(httparse::Error::TooManyHeaders) => return (Step::Refuse(HEAD_TOO_LARGE), 0),
            Err(_) => return (Step::Refuse(BAD_REQUEST), 0),
        };
        let close = wants_close(&request);
        let body = match framing(&request) {
            Ok(body) => body,
            Err(answer) => return (Step::Refuse(answer), len),
        };
        self.since = now;
        match body {
            Body::None => return (self.answer(close, out, now), len),
            Body::Length(n) if n > MAX_BODY => return (Step::Refuse(TOO_LARGE), len),
            Body::Length(left) => self.part = Part::Body { left, close },
            Body::Chunked => {
                self.part = Part::Chunked {
                    chunk: Chunk::Size,
                    total: 0,
                    close,
                }
            }
        }
        (Step::Go, len)
    }

    /// Parses the next piece of a chunked body: `at` is the chunk, the
    /// body's bytes so far, and whether the connection closes after it.
    fn chunked(&mut self, bytes: &[u8], at: (Chunk, u64, bool), out: &mut Vec<u8>, now: Instant) -> (Step, usize) {
        let (chunk, total, close) = at;
        let mut set = |chunk, total| self.part = Part::Chunked { chunk, total, close };
        match chunk {
            Chunk::Size => match httparse::parse_chunk_size(bytes) {
                Ok(httparse::Status::Complete((len, size))) => {
                    let total = total.saturating_add(size);
                    if total > MAX_BODY {
                        return (Step::Refuse(TOO_LARGE), len);
                    }
                    set(
                        if size == 0 {
                            Chunk::Trailers
                        } else {
                            Chunk::Data { left: size }
                        },
                        total,
                    );
                    (Step::Go, len)
                }
                Ok(httparse::Status::Partial) if bytes.len() > MAX_CHUNK_LINE => (Step::Refuse(BAD_REQUEST), 0),
                Ok(httparse::Status::Partial) => (Step::More, 0),
                Err(_) => (Step::Refuse(BAD_REQUEST), 0),
            },
            Chunk::Data { left } => {
                let used = left.min(bytes.len() as u64);
                if used == left {
                    set(Chunk::DataEnd, total);
                    return (Step::Go, used as usize);
                }
                set(Chunk::Data { left: left - used }, total);
                (Step::More, used as usize)
            }
            Chunk::DataEnd => match bytes {
                [b'\r', b'\n', ..] => {
                    set(Chunk::Size, total);
                    (Step::Go, 2)
                }
                [] | [b'\r'] => (Step::More, 0),
                _ => (Step::Refuse(BAD_REQUEST), 0),
            },
            Chunk::Trailers => {
                let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
                match httparse::parse_headers(bytes, &mut fields) {
                    Ok(httparse::Status::Complete((len, _))) => (self.answer(close, out, now), len),
                    Ok(httparse::Status::Partial) => (Step::More, 0),
                    Err(httparse::Error::TooManyHeaders) => (Step::Refuse(HEAD_TOO_LARGE), 0),
                    Err(_) => (Step::Refuse(BAD_REQUEST), 0),
                }
            }
        }
    }

    /// The request is whole: answers it, and waits for the next head.
    fn answer(&mut self, close: bool, out: &mut Vec<u8>, now: Instant) -> Step {
        out.extend_from_slice(if close { CLOSING } else { RESPONSE });
        self.part = Part::Head;
        self.since = now;
        if close { Step::Close } else { Step::Go }
    }
}

/// How a request's body is framed.
enum Body {
    None,
    Length(u64),
    Chunked,
}

/// Reads the body's framing from the head, refusing what RFC 9112 says a
/// server must not guess at: a `Content-Length` that is not one number, or
/// sent with `Transfer-Encoding` (the shape of request smuggling), and a
/// transfer coding that does not end in `chunked`.
fn framing(request: &httparse::Request<'_, '_>) -> Result<Body, &'static [u8]> {
    let mut length: Option<u64> = None;
    let mut chunked = None;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value).map_err(|_| BAD_REQUEST)?.trim();
            let n = value.parse::<u64>().map_err(|_| BAD_REQUEST)?;
            if length.is_some_and(|l| l != n) || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BAD_REQUEST);
            }
            length = Some(n);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            let last = header.value.rsplit(|&b| b == b',').next().unwrap_or_default();
            chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        }
    }
    match (length, chunked) {
        (Some(_), Some(_)) | (_, Some(false)) => Err(BAD_REQUEST),
        (_, Some(true)) => Ok(Body::Chunked),
        (Some(0) | None, None) => Ok(Body::None),
        (Some(n), None) => Ok(Body::Length(n)),
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
