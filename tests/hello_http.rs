//! The `hello_http` servers (the example and its tokio and threads twins in
//! `examples/peers/`): request framing and caps in the shared `conn.rs`,
//! and the head timeout of the grove server against slow clients.

#[path = "../examples/hello_http/conn.rs"]
mod conn;
#[path = "../examples/hello_http/serve.rs"]
mod serve;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use conn::{Conn, HEAD_TIMEOUT, MAX_BODY, MAX_CHUNK_LINE, MAX_HEAD, MAX_HEADERS};

const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!";

fn conn() -> Conn {
    Conn::new(Instant::now(), HEAD_TIMEOUT)
}

/// Feeds `input` to `conn` and returns its answers and whether it closes.
fn feed(conn: &mut Conn, input: &[u8]) -> (String, bool) {
    conn.spare()[..input.len()].copy_from_slice(input);
    let (out, close) = conn.received(input.len(), Instant::now());
    (String::from_utf8(out.to_vec()).unwrap(), close)
}

/// Feeds `input` to a fresh connection.
fn answer(input: &[u8]) -> (String, bool) {
    feed(&mut conn(), input)
}

fn status(out: &str) -> &str {
    out.get(9..12).unwrap_or("")
}

#[test]
fn pipelined_requests_are_answered_in_one_batch() {
    let (out, close) = answer(b"GET / HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(out, HELLO.repeat(2));
    assert!(!close);
}

#[test]
fn a_partial_request_waits_for_the_rest() {
    let mut conn = conn();
    assert_eq!(feed(&mut conn, b"GET / HTTP/1.1\r\nHo"), (String::new(), false));
    assert_eq!(feed(&mut conn, b"st: x\r\n\r\n"), (HELLO.to_owned(), false));
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
fn regression_a_body_that_is_itself_a_request_gets_one_answer() {
    let inner = b"GET /smuggled HTTP/1.1\r\n\r\n";
    let mut request = format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", inner.len()).into_bytes();
    request.extend_from_slice(inner);
    let (out, close) = answer(&request);
    assert_eq!(
        (out.as_str(), close),
        (HELLO, false),
        "the body was answered as a request"
    );
    // The same body sent chunked, across several reads.
    let mut conn = conn();
    let chunked = format!("{:x};ext=1\r\n", inner.len());
    let (out, _) = feed(
        &mut conn,
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    );
    assert_eq!(out, "", "the body is not there yet");
    let (out, _) = feed(&mut conn, chunked.as_bytes());
    assert_eq!(out, "");
    let (out, _) = feed(&mut conn, &inner[..10]);
    assert_eq!(out, "");
    let (out, _) = feed(&mut conn, &inner[10..]);
    assert_eq!(out, "");
    let (out, close) = feed(&mut conn, b"\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    assert_eq!(
        (out, close),
        (HELLO.repeat(2), false),
        "the body, then the next request"
    );
}

#[test]
fn a_malformed_request_gets_400_and_closes() {
    for bad in [
        &b"NOT HTTP\0\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz",
    ] {
        let (out, close) = answer(bad);
        assert!(
            close && status(&out) == "400",
            "{:?} gave {out:?}",
            String::from_utf8_lossy(bad)
        );
    }
    let mut long_line = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1".to_vec();
    long_line.extend(std::iter::repeat_n(b'0', MAX_CHUNK_LINE + 1));
    let (out, close) = answer(&long_line);
    assert!(close && status(&out) == "400", "an endless chunk-size line: {out:?}");
}

#[test]
fn a_head_over_its_caps_gets_431_and_closes() {
    let mut conn = conn();
    let room = conn.spare().len();
    assert_eq!(room, MAX_HEAD);
    conn.spare().fill(b'a');
    conn.spare()[..4].copy_from_slice(b"GET ");
    let (out, close) = conn.received(room, Instant::now());
    assert!(close && out.starts_with(b"HTTP/1.1 431 "));
    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let (out, close) = answer(&many);
    assert!(close && status(&out) == "431", "{out}");
}

#[test]
fn a_body_over_its_cap_gets_413_before_it_is_read() {
    let (out, close) = answer(format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1).as_bytes());
    assert!(close && status(&out) == "413", "{out}");
    let (out, close) = answer(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n");
    assert!(close && status(&out) == "413", "{out}");
    // Chunks that add up past the cap.
    let mut conn = conn();
    feed(&mut conn, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    let (out, close) = feed(&mut conn, format!("{:x}\r\n", MAX_BODY + 1).as_bytes());
    assert!(close && status(&out) == "413", "{out}");
    let (out, close) = answer(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n");
    assert!(close && matches!(status(&out), "413" | "400"), "{out}");
}

#[test]
fn the_deadline_runs_from_each_head_and_moves_with_a_body() {
    let start = Instant::now();
    let mut conn = Conn::new(start, Duration::from_secs(10));
    assert_eq!(conn.deadline(), start + Duration::from_secs(10));
    assert_eq!(conn.timed_out(), b"", "an idle connection closes without an answer");
    feed(&mut conn, b"GET / HTTP/1.1\r\nHost");
    assert_eq!(
        conn.deadline(),
        start + Duration::from_secs(10),
        "a partial head does not move it"
    );
    assert!(conn.timed_out().starts_with(b"HTTP/1.1 408 "));
    conn.spare()[..4].copy_from_slice(b": x\r");
    let later = start + Duration::from_secs(3);
    conn.received(4, later);
    conn.spare()[..1].copy_from_slice(b"\n");
    conn.received(1, later);
    conn.spare()[..2].copy_from_slice(b"\r\n");
    let (out, _) = conn.received(2, later);
    assert_eq!(out, HELLO.as_bytes());
    assert_eq!(
        conn.deadline(),
        later + Duration::from_secs(10),
        "an answer starts the next head's time"
    );
    // A body in progress: each read of it moves the deadline.
    let head = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345";
    conn.spare()[..head.len()].copy_from_slice(head);
    let (out, _) = conn.received(head.len(), later);
    assert!(out.is_empty());
    let even_later = later + Duration::from_secs(8);
    conn.spare()[..2].copy_from_slice(b"67");
    conn.received(2, even_later);
    assert_eq!(conn.deadline(), even_later + Duration::from_secs(10));
    assert!(
        conn.timed_out().starts_with(b"HTTP/1.1 408 "),
        "a body under way times out with 408"
    );
}

/// A grove `hello_http` server with a short head timeout, on its own thread.
fn server(head_timeout: Duration) -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        grove::run(async move {
            let listener = grove::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                grove::spawn(serve::serve(stream, head_timeout));
            }
        })
    });
    rx.recv().unwrap()
}

#[test]
fn slowloris_connections_are_closed_at_the_head_timeout_and_others_are_served() {
    // Long enough that a stall between a connect and its write does not
    // close the connection before its head starts.
    let addr = server(Duration::from_secs(1));
    // 300 clients that start a head and never finish it.
    let slow: Vec<_> = (0..300)
        .map(|_| {
            let mut conn = std::net::TcpStream::connect(addr).unwrap();
            conn.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            conn
        })
        .collect();
    // A normal client is answered meanwhile.
    let mut fine = std::net::TcpStream::connect(addr).unwrap();
    fine.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    fine.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    fine.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    // Every slow one is answered 408 and closed.
    let start = Instant::now();
    for mut conn in slow {
        let mut got = String::new();
        conn.read_to_string(&mut got).unwrap();
        assert!(got.starts_with("HTTP/1.1 408 "), "a slow client got {got:?}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "slow clients held for {:?}",
        start.elapsed()
    );
}

/// A client that pipelines requests and never reads its answers fills the
/// server's send buffer: the server must give up on it at the head
/// timeout, not wait in its write for good.
#[test]
fn a_client_that_never_reads_its_answers_is_dropped_at_the_head_timeout() {
    let addr = server(Duration::from_secs(1));
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_write_timeout(Some(Duration::from_millis(100))).unwrap();
    let requests = b"GET / HTTP/1.1\r\n\r\n".repeat(1000);
    let start = Instant::now();
    let dropped = loop {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the server still holds a client that reads nothing"
        );
        match conn.write(&requests) {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            dropped.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "{dropped}"
    );
}
