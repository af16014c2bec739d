//! The `hello_http` servers' request framing (`examples/hello_http/conn.rs`)
//! on arbitrary bytes, split into arbitrary reads.
//!
//! Besides not panicking, every answer must be one of the server's own, a
//! closing answer must be the last, and no more requests may be answered
//! than the input has head endings: a body is never taken for a request.

#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "../../../examples/hello_http/conn.rs"]
#[allow(dead_code)]
mod conn;

#[derive(Arbitrary, Debug)]
struct Input {
    /// Sizes of the reads the bytes arrive in.
    reads: Vec<u16>,
    bytes: Vec<u8>,
}

const ANSWERS: [&str; 6] = [
    "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!",
    "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nHello, world!",
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
];

/// Splits `out` into known answers; panics on anything else.
fn answers(mut out: &str) -> Vec<usize> {
    let mut found = Vec::new();
    while !out.is_empty() {
        let (i, answer) = ANSWERS
            .iter()
            .enumerate()
            .find(|(_, a)| out.starts_with(*a))
            .unwrap_or_else(|| panic!("an unknown answer: {out:?}"));
        found.push(i);
        out = &out[answer.len()..];
    }
    found
}

fuzz_target!(|input: Input| {
    let now = Instant::now();
    let mut conn = conn::Conn::new(now, Duration::from_secs(10));
    let mut rest = &input.bytes[..];
    let mut reads = input.reads.iter().copied().cycle();
    let mut answered = 0;
    let heads = input.bytes.windows(2).filter(|w| w == b"\n\n" || w == b"\n\r").count();
    while !rest.is_empty() {
        let room = conn.spare().len();
        let n = (reads.next().unwrap_or(u16::MAX) as usize)
            .clamp(1, room.max(1))
            .min(rest.len());
        if room == 0 {
            panic!("a full buffer was not refused");
        }
        conn.spare()[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        let (out, close) = conn.received(n, now);
        let found = answers(std::str::from_utf8(out).expect("answers are ASCII"));
        let closing = found.iter().filter(|&&i| i != 0).count();
        assert!(closing <= 1, "more than one closing answer");
        if closing == 1 {
            assert_eq!(
                found.last().map(|&i| i != 0),
                Some(true),
                "a closing answer was not the last"
            );
            assert!(close, "a closing answer without closing");
        }
        answered += found.iter().filter(|&&i| i <= 1).count();
        if close {
            break;
        }
    }
    assert!(
        answered <= heads,
        "{answered} requests answered with {heads} head endings"
    );
    let _ = conn.timed_out();
});
