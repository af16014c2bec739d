//! The protocol side of the `hello_http` servers: framing requests out of a
//! connection's bytes and answering each with `Hello, world!`. The grove
//! server and its tokio and thread-per-connection twins in `examples/peers/`
//! all use it, so that the `wrk` benchmark compares their I/O and nothing
//! else.

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";
const CLOSING: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// One connection's buffers: the bytes read and not yet answered, and the
/// answers to send.
pub struct Conn {
    buf: Vec<u8>,
    filled: usize,
    out: Vec<u8>,
}

impl Conn {
    pub fn new() -> Conn {
        Conn {
            buf: vec![0; 8192],
            filled: 0,
            out: Vec::with_capacity(1024),
        }
    }

    /// Where the next read goes.
    pub fn spare(&mut self) -> &mut [u8] {
        &mut self.buf[self.filled..]
    }

    /// Takes in `n` bytes just read into [`spare`](Conn::spare) and answers
    /// every complete request among them, pipelined ones included. Returns
    /// the bytes to send, and whether the connection closes after them:
    /// the client asked to, sent a malformed request, or a request head
    /// larger than the buffer.
    pub fn received(&mut self, n: usize) -> (&[u8], bool) {
        self.filled += n;
        self.out.clear();
        let mut start = 0;
        let mut close = false;
        while !close {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&self.buf[start..self.filled]) {
                Ok(httparse::Status::Complete(len)) => {
                    start += len;
                    close = wants_close(&request);
                    self.out.extend_from_slice(if close { CLOSING } else { RESPONSE });
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => {
                    self.out.extend_from_slice(BAD_REQUEST);
                    close = true;
                }
            }
        }
        self.buf.copy_within(start..self.filled, 0);
        self.filled -= start;
        if !close && self.filled == self.buf.len() {
            self.out.extend_from_slice(BAD_REQUEST);
            close = true;
        }
        (&self.out, close)
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
