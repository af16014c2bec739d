//! The request handling shared by the `hello_http` servers (the example
//! and its tokio and threads twins in `examples/peers/`).

#[path = "../examples/hello_http/conn.rs"]
mod conn;

use conn::Conn;

const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";

/// Feeds `input` to a fresh connection and returns its answers and whether
/// it closes.
fn answer(input: &[u8]) -> (String, bool) {
    let mut conn = Conn::new();
    conn.spare()[..input.len()].copy_from_slice(input);
    let (out, close) = conn.received(input.len());
    (String::from_utf8(out.to_vec()).unwrap(), close)
}

#[test]
fn pipelined_requests_are_answered_in_one_batch() {
    let (out, close) = answer(b"GET / HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(out, HELLO.repeat(2));
    assert!(!close);
}

#[test]
fn a_partial_request_waits_for_the_rest() {
    let mut conn = Conn::new();
    let (first, second) = (b"GET / HTTP/1.1\r\nHo".as_slice(), b"st: x\r\n\r\n".as_slice());
    conn.spare()[..first.len()].copy_from_slice(first);
    assert_eq!(conn.received(first.len()), (&b""[..], false));
    conn.spare()[..second.len()].copy_from_slice(second);
    assert_eq!(conn.received(second.len()), (HELLO.as_bytes(), false));
}

#[test]
fn connection_close_and_http_1_0_end_the_connection() {
    for request in [
        &b"GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.0\r\n\r\n",
    ] {
        let (out, close) = answer(request);
        assert!(close);
        assert_eq!(
            out.matches("Hello, world!").count(),
            1,
            "nothing after the closing request"
        );
        assert!(out.contains("Connection: close\r\n"), "{out}");
    }
    let (out, close) = answer(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert!(!close && out == HELLO);
}

#[test]
fn a_malformed_request_or_an_oversized_head_gets_400_and_closes() {
    let (out, close) = answer(b"NOT HTTP\0\r\n\r\n");
    assert!(close && out.starts_with("HTTP/1.1 400 "), "{out}");
    let mut conn = Conn::new();
    let room = conn.spare().len();
    conn.spare().fill(b'a');
    conn.spare()[..4].copy_from_slice(b"GET ");
    let (out, close) = conn.received(room);
    assert!(close && out.starts_with(b"HTTP/1.1 400 "));
}
