//! Reading a response body to its end, decoding gzip and deflate, within a
//! cap on both the bytes received and the bytes decoded.

use std::io::{self, Write};

use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::error::FetchError;

/// Reads `body` whole and decodes it by `headers`' `Content-Encoding`.
/// More than `max` bytes, received or decoded, is an error; so is a
/// `Content-Length` over `max`, before any byte is read.
pub async fn read(mut body: Incoming, headers: &HeaderMap, max: usize) -> Result<Vec<u8>, FetchError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|size| size > max as u64) {
        return Err(FetchError::BodyTooLarge { limit: max, declared });
    }
    // A declared length sizes the buffer once, rather than by doubling; up
    // to a point, since a server may declare what it never sends.
    let capacity = declared.map_or(0, |size| size.min(256 << 10) as usize);
    let mut decoder = Decoder::new(headers, max, capacity)?;
    let mut received = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if is_cut_short(&e) {
                FetchError::BodyCutShort { after: received }
            } else {
                FetchError::Http(e)
            }
        })?;
        if let Ok(data) = frame.into_data() {
            received += data.len();
            if received > max {
                return Err(FetchError::BodyTooLarge {
                    limit: max,
                    declared: None,
                });
            }
            decoder.write(&data)?;
        }
    }
    decoder.finish()
}

/// Whether the connection ended before the body did: hyper reports an
/// unexpected end of file under a body error.
fn is_cut_short(e: &hyper::Error) -> bool {
    let eof = std::error::Error::source(e)
        .and_then(|source| source.downcast_ref::<io::Error>())
        .is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof);
    eof || e.is_incomplete_message()
}

/// A `Write` that refuses to grow past `max` bytes, so that a small
/// compressed body cannot decode into gigabytes.
struct Capped {
    bytes: Vec<u8>,
    max: usize,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + data.len() > self.max {
            self.over = true;
            return Err(io::Error::other("over the cap"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Decoder {
    Identity(Capped),
    Gzip(GzDecoder<Capped>),
    /// HTTP's "deflate" is zlib-wrapped, but some servers send it raw: the
    /// first two bytes decide, so the decoder is chosen once they are in.
    /// Until then, the first byte if it came alone (a chunk of one byte).
    Deflate(Option<Capped>, Option<u8>),
    Zlib(ZlibDecoder<Capped>),
    RawDeflate(DeflateDecoder<Capped>),
}

impl Decoder {
    /// `capacity` is what the identity body declares; a compressed one
    /// decodes to more, so its buffer grows as it goes.
    fn new(headers: &HeaderMap, max: usize, capacity: usize) -> Result<Decoder, FetchError> {
        let mut out = Capped {
            bytes: Vec::new(),
            max,
            over: false,
        };
        let encoding = match headers.get(CONTENT_ENCODING) {
            None => {
                out.bytes.reserve_exact(capacity);
                return Ok(Decoder::Identity(out));
            }
            Some(value) => value.to_str().unwrap_or("").trim().to_ascii_lowercase(),
        };
        match encoding.as_str() {
            "" | "identity" => Ok(Decoder::Identity(out)),
            "gzip" | "x-gzip" => Ok(Decoder::Gzip(GzDecoder::new(out))),
            "deflate" => Ok(Decoder::Deflate(Some(out), None)),
            other => Err(FetchError::Encoding(format!("unsupported Content-Encoding {other:?}"))),
        }
    }

    fn write(&mut self, data: &[u8]) -> Result<(), FetchError> {
        let mut held = None;
        if let Decoder::Deflate(out, first) = self {
            let head = match (*first, data) {
                (_, []) => return Ok(()),
                (None, [only]) => {
                    *first = Some(*only);
                    return Ok(());
                }
                (None, [a, b, ..]) => [*a, *b],
                (Some(a), [b, ..]) => [a, *b],
            };
            held = first.take();
            let out = out.take().expect("chosen once two bytes are in");
            *self = if is_zlib_header(head) {
                Decoder::Zlib(ZlibDecoder::new(out))
            } else {
                Decoder::RawDeflate(DeflateDecoder::new(out))
            };
        }
        let mut written = Ok(());
        for data in [held.as_slice(), data] {
            written = written.and_then(|()| match self {
                Decoder::Identity(out) => out.write_all(data),
                Decoder::Gzip(decoder) => decoder.write_all(data),
                Decoder::Zlib(decoder) => decoder.write_all(data),
                Decoder::RawDeflate(decoder) => decoder.write_all(data),
                Decoder::Deflate(..) => unreachable!("replaced above"),
            });
        }
        written.map_err(|e| self.error(e))
    }

    fn finish(mut self) -> Result<Vec<u8>, FetchError> {
        // Flushes what the decoder still holds, and checks that the stream
        // ended where it should (a truncated gzip body fails here).
        let flushed = match &mut self {
            Decoder::Gzip(decoder) => decoder.try_finish(),
            Decoder::Zlib(decoder) => decoder.try_finish(),
            Decoder::RawDeflate(decoder) => decoder.try_finish(),
            Decoder::Identity(_) | Decoder::Deflate(_, None) => Ok(()),
            // One byte is no deflate stream, zlib or raw.
            Decoder::Deflate(_, Some(_)) => return Err(FetchError::Encoding("a deflate body of one byte".into())),
        };
        flushed.map_err(|e| self.error(e))?;
        let out = match self {
            Decoder::Identity(out) => Ok(out),
            Decoder::Deflate(out, _) => Ok(out.expect("taken only when chosen")),
            Decoder::Gzip(decoder) => decoder.finish(),
            Decoder::Zlib(decoder) => decoder.finish(),
            Decoder::RawDeflate(decoder) => decoder.finish(),
        };
        out.map(|out| out.bytes)
            .map_err(|e| FetchError::Encoding(e.to_string()))
    }

    fn out(&self) -> &Capped {
        match self {
            Decoder::Identity(out) => out,
            Decoder::Gzip(decoder) => decoder.get_ref(),
            Decoder::Zlib(decoder) => decoder.get_ref(),
            Decoder::RawDeflate(decoder) => decoder.get_ref(),
            Decoder::Deflate(out, _) => out.as_ref().expect("taken only when chosen"),
        }
    }

    fn max(&self) -> usize {
        self.out().max
    }

    fn error(&self, e: io::Error) -> FetchError {
        if self.out().over {
            FetchError::BodyTooLarge {
                limit: self.max(),
                declared: None,
            }
        } else {
            FetchError::Encoding(e.to_string())
        }
    }
}

/// Whether a body's first two bytes are a zlib header: deflate, a window
/// size, and a check that makes them a multiple of 31.
fn is_zlib_header([cmf, flg]: [u8; 2]) -> bool {
    cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}
