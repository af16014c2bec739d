//! The fetch example's client and local server, run as tests, all offline
//! on 127.0.0.1: TLS, HTTP/2, redirects, encodings, the pool's cap, and
//! each kind of hostile server the client must survive.

#![cfg(feature = "hyper")]

#[path = "../examples/fetch/body.rs"]
mod body;
#[path = "../examples/fetch/client.rs"]
mod client;
#[path = "../examples/fetch/connect.rs"]
mod connect;
#[path = "../examples/fetch/error.rs"]
mod error;
#[path = "../examples/support/fd_limit.rs"]
mod fd_limit;
#[path = "../examples/fetch/pages.rs"]
mod pages;
#[path = "../examples/fetch/pool.rs"]
mod pool;
#[path = "../examples/fetch/run.rs"]
mod run;
#[path = "../examples/fetch/server.rs"]
mod server;
#[path = "../examples/fetch/tls.rs"]
mod tls;
mod util;

/// The local server's URL of page `n`.
fn page_url(server: &LocalServer, n: u32) -> String {
    server.page_urls(n..n + 1).next().expect("one page")
}

use std::cell::RefCell;
use std::io::Write;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use client::{Client, Limits};
use error::FetchError;
use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::{TcpListener, TcpStream};
use http::{Method, StatusCode, Version};
use pages::Kind;
use server::LocalServer;

/// What an error must be, for one case.
type Check = fn(&FetchError) -> bool;

/// Far above what any fetch here needs, even on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

fn client(server: Option<&LocalServer>, limits: Limits) -> Rc<Client> {
    let roots: Vec<_> = server.map(|s| s.certs.ca.clone()).into_iter().collect();
    Rc::new(Client::new(tls::client_config(&roots).unwrap(), limits))
}

/// `client.get(url)`, bounded so that a hang fails the test.
async fn get(client: &Client, url: &str) -> Result<client::Page, FetchError> {
    grove::timeout(PATIENCE, client.get(url)).await.expect("the fetch hung")
}

fn first_page_of(kind: Kind, https: bool) -> u32 {
    (0..)
        .find(|&n| Kind::of(n) == kind && pages::over_https(n) == https)
        .unwrap()
}

#[test]
fn local_mode_fetches_every_kind_of_page_over_http_and_https() {
    let (summary, accepted) = grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let client = client(Some(&server), Limits::default());
        let urls = server.page_urls(0..300);
        let options = run::Options {
            urls,
            concurrency: 50,
            timeout: PATIENCE,
            verify: true,
            quiet: true,
        };
        (run::fetch_all(client, options).await, server.accepted.get())
    });
    assert_eq!((summary.pages, summary.failed, summary.corrupt), (300, 0, 0));
    assert_eq!(summary.bytes, (0..300).map(pages::size).sum::<usize>());
    let stats = summary.connections.unwrap();
    assert_eq!(stats.opened, accepted, "{stats:?}");
    assert!(stats.handshakes >= 1 && stats.handshakes <= stats.opened, "{stats:?}");
    assert!(stats.reused > 0, "{stats:?}");
}

#[test]
fn each_kind_of_page_decodes_to_the_exact_bytes() {
    // Pages 0 to 7 go over http, 8 to 15 over https; among each eight are
    // plain, gzip, deflate, chunked and redirected pages.
    let kinds = |https: bool| -> Vec<Kind> {
        (0..16)
            .filter(|&n| pages::over_https(n) == https)
            .map(Kind::of)
            .collect()
    };
    for https in [false, true] {
        let kinds = kinds(https);
        for kind in [Kind::Plain, Kind::Gzip, Kind::Deflate, Kind::Chunked] {
            assert!(kinds.contains(&kind), "{kind:?} over https={https}");
        }
        assert!(kinds.iter().any(|k| matches!(k, Kind::Redirect(_))));
    }
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let client = client(Some(&server), Limits::default());
        for n in 0..16 {
            let page = get(&client, &page_url(&server, n)).await.unwrap();
            assert_eq!(page.status, StatusCode::OK, "page {n}, {:?}", Kind::of(n));
            assert!(pages::verify(n, &page.body), "page {n}, {:?}", Kind::of(n));
        }
    });
}

#[test]
fn https_verifies_against_the_ca_and_speaks_http2() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let n = first_page_of(Kind::Plain, true);
        let page = get(&client(Some(&server), Limits::default()), &page_url(&server, n))
            .await
            .unwrap();
        assert_eq!(page.version, Version::HTTP_2, "ALPN chose HTTP/2");
        assert!(pages::verify(n, &page.body));
        let http = get(&client(Some(&server), Limits::default()), &page_url(&server, 0))
            .await
            .unwrap();
        assert_eq!(http.version, Version::HTTP_11);
    });
}

#[test]
fn https_without_the_ca_is_a_clear_tls_error() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let untrusting = client(None, Limits::default());
        let url = page_url(&server, first_page_of(Kind::Plain, true));
        let err = get(&untrusting, &url).await.unwrap_err();
        assert!(matches!(err, FetchError::Tls(_)), "{err}");
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
        // The same CA in a PEM file, as `--ca` reads it.
        let path = std::env::temp_dir().join(format!("grove-fetch-ca-{}.pem", std::process::id()));
        std::fs::write(&path, pem(&server.certs.ca)).unwrap();
        let roots = tls::read_ca_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let trusting = Client::new(tls::client_config(&roots).unwrap(), Limits::default());
        assert!(get(&trusting, &url).await.is_ok());
    });
}

/// `der` as a PEM certificate, as `--ca` files hold them.
fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[test]
fn redirects_follow_the_browser_rules_for_methods_and_bodies() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let client = client(Some(&server), Limits::default());
        for (status, expected) in [
            (301, "GET "),
            (302, "GET "),
            (303, "GET "),
            (307, "POST payload"),
            (308, "POST payload"),
        ] {
            let url = format!("http://{}/redirect/{status}?to=/echo", server.http);
            let page = client
                .request(Method::POST, &url, Bytes::from("payload"))
                .await
                .unwrap();
            let first_line = String::from_utf8(page.body).unwrap().lines().next().unwrap().to_owned();
            assert_eq!(first_line, expected, "after a {status}");
            assert_eq!(page.url.path(), "/echo");
        }
    });
}

#[test]
fn credentials_go_only_to_their_own_origin() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let client = client(Some(&server), Limits::default());
        let same = format!("http://u:p@{}/redirect/302?to=/echo", server.http);
        let echoed = String::from_utf8(get(&client, &same).await.unwrap().body).unwrap();
        assert!(echoed.contains("authorization: Basic dTpw"), "{echoed}");
        let elsewhere = format!("https://localhost:{}/echo", server.https.port());
        let across = format!("http://u:p@{}/redirect/302?to={elsewhere}", server.http);
        let page = get(&client, &across).await.unwrap();
        assert_eq!(page.url.as_str(), elsewhere);
        let echoed = String::from_utf8(page.body).unwrap();
        assert!(!echoed.contains("authorization"), "{echoed}");
    });
}

#[test]
fn redirect_chains_loops_and_downgrades() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let client = client(Some(&server), Limits::default());
        let ten = get(&client, &format!("http://{}/chain/10", server.http)).await.unwrap();
        assert_eq!(ten.body, b"end of the chain");
        let eleven = get(&client, &format!("http://{}/chain/11", server.http))
            .await
            .unwrap_err();
        assert!(matches!(eleven, FetchError::TooManyRedirects(10)), "{eleven}");
        let looped = get(&client, &format!("http://{}/loop", server.http)).await.unwrap_err();
        assert!(matches!(looped, FetchError::RedirectLoop(_)), "{looped}");
        let down = format!("https://localhost:{}/downgrade", server.https.port());
        let refused = get(&client, &down).await.unwrap_err();
        assert!(matches!(refused, FetchError::InsecureRedirect(_)), "{refused}");
    });
}

/// Fetches 200 pages over http or https, 100 at a time, and checks them.
async fn two_hundred_pages(server: &LocalServer, client: Rc<Client>, https: bool) -> run::Summary {
    let urls: Vec<_> = (0..)
        .filter(|&n| pages::over_https(n) == https)
        .take(200)
        .map(|n| page_url(server, n))
        .collect();
    let options = run::Options {
        urls,
        concurrency: 100,
        timeout: PATIENCE,
        verify: true,
        quiet: true,
    };
    let summary = run::fetch_all(client, options).await;
    assert_eq!((summary.pages, summary.failed, summary.corrupt), (200, 0, 0));
    summary
}

#[test]
fn two_hundred_pages_over_a_pool_of_ten_connections() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let limits = Limits {
            per_origin: 10,
            ..Limits::default()
        };
        let summary = two_hundred_pages(&server, client(Some(&server), limits), false).await;
        let accepted = server.accepted.get();
        assert!(accepted <= 10, "the server accepted {accepted} connections");
        let stats = summary.connections.unwrap();
        assert_eq!(stats.opened, accepted);
        // Each redirected page is two requests.
        assert!(stats.reused >= 200 - accepted, "{stats:?}");
    });
}

#[test]
fn one_http2_connection_carries_every_request_to_an_https_origin() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let summary = two_hundred_pages(&server, client(Some(&server), Limits::default()), true).await;
        // The other tokens wait for the first connection's ALPN answer,
        // which is h2: none of them is ever needed.
        assert_eq!(server.accepted.get(), 1);
        let stats = summary.connections.unwrap();
        assert_eq!((stats.opened, stats.handshakes), (1, 1), "{stats:?}");
    });
}

#[test]
fn an_idle_connection_is_reused_until_its_idle_timeout() {
    grove::run(async {
        let server = LocalServer::start().await.unwrap();
        // Long enough that a stalled machine cannot make the connection
        // stale between the first two requests.
        let short = Limits {
            idle_timeout: Duration::from_secs(1),
            ..Limits::default()
        };
        let client = client(Some(&server), short);
        let url = page_url(&server, 0);
        get(&client, &url).await.unwrap();
        get(&client, &url).await.unwrap();
        assert_eq!((client.stats().opened, client.stats().reused), (1, 1));
        // Closed by the pool once idle for the timeout, with no request
        // for the origin to notice it.
        util::gate::eventually("the pool closes the idle connection", || server.open.get() == 0).await;
        get(&client, &url).await.unwrap();
        assert_eq!((client.stats().opened, client.stats().reused), (2, 1));
    });
}

/// What a scripted server does once its answers are sent.
#[derive(Clone, Copy)]
enum Then {
    Close,
    /// Reads the next request, then closes without an answer.
    CloseOnNextRequest,
    /// Keeps the connection open and silent.
    Hold,
    /// Sends these bytes again and again.
    Repeat(&'static [u8]),
}

/// A server on `ip` that answers the requests on each connection with
/// `answers` in turn, then does `then`. Returns its address and the request
/// heads it has read.
async fn scripted(ip: &str, answers: Vec<&'static [u8]>, then: Then) -> (SocketAddr, Rc<RefCell<Vec<String>>>) {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Rc::new(RefCell::new(Vec::new()));
    let seen = heads.clone();
    grove::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (answers, seen) = (answers.clone(), seen.clone());
            grove::spawn(async move {
                for answer in answers {
                    let Some(head) = read_head(&mut stream).await else {
                        return;
                    };
                    seen.borrow_mut().push(head);
                    if stream.write_all(answer).await.is_err() {
                        return;
                    }
                }
                match then {
                    Then::Close => {}
                    Then::CloseOnNextRequest => {
                        if let Some(head) = read_head(&mut stream).await {
                            seen.borrow_mut().push(head);
                        }
                    }
                    Then::Hold => grove::sleep(PATIENCE * 2).await,
                    Then::Repeat(bytes) => while stream.write_all(bytes).await.is_ok() {},
                }
            });
        }
    });
    (addr, heads)
}

/// Reads one request head (with no body), up to 64 KiB.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 << 10 {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[test]
fn a_dead_pooled_connection_is_retried_once_on_a_fresh_one() {
    grove::run(async {
        let (addr, heads) = scripted("127.0.0.1", vec![OK], Then::CloseOnNextRequest).await;
        let client = client(None, Limits::default());
        let url = format!("http://{addr}/");
        assert_eq!(get(&client, &url).await.unwrap().body, b"ok");
        // The pooled connection takes the request, then dies unanswered.
        assert_eq!(get(&client, &url).await.unwrap().body, b"ok");
        assert_eq!(heads.borrow().len(), 3, "sent twice, answered once each");
        assert_eq!((client.stats().opened, client.stats().reused), (2, 1));
    });
}

#[test]
fn hostile_servers_get_one_clear_error_each() {
    fn repeat(byte: u8) -> &'static [u8] {
        Box::leak(vec![byte; 64 << 10].into_boxed_slice())
    }
    let cases: Vec<(&str, Vec<&'static [u8]>, Then, Check)> = vec![
        (
            "a body cut short",
            vec![b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"],
            Then::Close,
            |e| matches!(e, FetchError::BodyCutShort { after: 10 }),
        ),
        (
            "an endless header block",
            vec![b"HTTP/1.1 200 OK\r\n"],
            Then::Repeat(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
            |e| matches!(e, FetchError::HeadTooLarge { limit: 65536 }),
        ),
        (
            "an endless body",
            vec![b"HTTP/1.1 200 OK\r\n\r\n"],
            Then::Repeat(repeat(b'a')),
            |e| matches!(e, FetchError::BodyTooLarge { limit: 1048576, declared: None }),
        ),
        (
            "a huge declared length",
            vec![b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n"],
            Then::Hold,
            |e| matches!(e, FetchError::BodyTooLarge { declared: Some(99999999999999), .. }),
        ),
        (
            "a chunk size that overflows",
            vec![b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n"],
            Then::Repeat(repeat(b'a')),
            |e| matches!(e, FetchError::Http(_) | FetchError::BodyTooLarge { .. }),
        ),
        (
            "an unknown encoding",
            vec![b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\nok"],
            Then::Hold,
            |e| matches!(e, FetchError::Encoding(_)),
        ),
        (
            "a truncated gzip body",
            vec![b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"],
            Then::Hold,
            |e| matches!(e, FetchError::Encoding(_)),
        ),
        (
            "not HTTP at all",
            vec![b"NOT HTTP AT ALL\r\n\r\n"],
            Then::Close,
            |e| matches!(e, FetchError::Http(_)),
        ),
    ];
    grove::run(async {
        let limits = Limits {
            max_body: 1 << 20,
            ..Limits::default()
        };
        let client = client(None, limits);
        for (name, answers, then, check) in cases {
            let (addr, _) = scripted("127.0.0.1", answers, then).await;
            let started = Instant::now();
            let err = get(&client, &format!("http://{addr}/")).await.unwrap_err();
            assert!(check(&err), "{name}: {err}");
            assert!(started.elapsed() < PATIENCE, "{name}");
            assert!(!err.to_string().contains('\n'), "{name}: one line");
        }
    });
}

/// A whole response carrying `body` as `coding`, for a scripted server.
fn encoded_answer(coding: &str, body: &[u8]) -> &'static [u8] {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut answer = head.into_bytes();
    answer.extend_from_slice(body);
    Box::leak(answer.into_boxed_slice())
}

#[test]
fn a_gzip_bomb_stops_at_the_cap() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0; 50 << 20]).unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 20, "small on the wire: {}", bomb.len());
    let answer = encoded_answer("gzip", &bomb);
    grove::run(async {
        let (addr, _) = scripted("127.0.0.1", vec![answer], Then::Hold).await;
        let limits = Limits {
            max_body: 1 << 20,
            ..Limits::default()
        };
        let err = get(&client(None, limits), &format!("http://{addr}/"))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::BodyTooLarge { declared: None, .. }), "{err}");
    });
}

#[test]
fn raw_deflate_decodes_too() {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(b"raw deflate, no zlib header").unwrap();
    let raw = encoder.finish().unwrap();
    let answer = encoded_answer("deflate", &raw);
    grove::run(async {
        let (addr, _) = scripted("127.0.0.1", vec![answer], Then::Hold).await;
        let page = get(&client(None, Limits::default()), &format!("http://{addr}/"))
            .await
            .unwrap();
        assert_eq!(page.body, b"raw deflate, no zlib header");
    });
}

/// The first frame of a chunked body can be a single byte, too few to tell
/// a zlib header from raw deflate: the choice waits for the second.
#[test]
fn raw_deflate_in_one_byte_chunks_decodes_too() {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(b"raw deflate, a byte a chunk").unwrap();
    let raw = encoder.finish().unwrap();
    let mut answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for byte in &raw {
        answer.extend_from_slice(b"1\r\n");
        answer.push(*byte);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    let answer: &'static [u8] = Box::leak(answer.into_boxed_slice());
    grove::run(async {
        let (addr, _) = scripted("127.0.0.1", vec![answer], Then::Hold).await;
        let page = get(&client(None, Limits::default()), &format!("http://{addr}/"))
            .await
            .unwrap();
        assert_eq!(page.body, b"raw deflate, a byte a chunk");
    });
}

#[test]
fn an_interim_100_continue_is_not_the_final_status() {
    grove::run(async {
        let answer: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal";
        let (addr, _) = scripted("127.0.0.1", vec![answer], Then::Hold).await;
        let page = get(&client(None, Limits::default()), &format!("http://{addr}/"))
            .await
            .unwrap();
        assert_eq!((page.status, page.body.as_slice()), (StatusCode::OK, &b"final"[..]));
    });
}

#[test]
fn urls_are_parsed_not_split() {
    grove::run(async {
        let client = client(None, Limits::default());
        // IPv6 with a port: brackets kept in Host, and the port with them.
        let (v6, heads) = scripted("::1", vec![OK], Then::Hold).await;
        get(&client, &format!("http://[::1]:{}/", v6.port())).await.unwrap();
        let head = heads.borrow()[0].to_ascii_lowercase();
        assert!(head.contains(&format!("\r\nhost: [::1]:{}\r\n", v6.port())), "{head}");
        // CR LF in a URL never reaches the wire as a header.
        let (v4, heads) = scripted("127.0.0.1", vec![OK], Then::Hold).await;
        let _ = get(&client, &format!("http://{v4}/a\r\nX-Injected: 1")).await;
        for head in heads.borrow().iter() {
            assert!(!head.to_ascii_lowercase().contains("\r\nx-injected"), "{head:?}");
        }
        // Scheme names are case-insensitive.
        let (v4, _) = scripted("127.0.0.1", vec![OK], Then::Hold).await;
        assert_eq!(get(&client, &format!("HTTP://{v4}/")).await.unwrap().body, b"ok");
    });
}

#[test]
fn bad_urls_and_unreachable_hosts_are_clear_errors() {
    grove::run(async {
        let client = client(None, Limits::default());
        let (_held, refused) = util::refusing_address();
        let cases: [(String, Check); 4] = [
            (
                "ftp://example.com/".into(),
                |e| matches!(e, FetchError::UnsupportedScheme(s) if s == "ftp"),
            ),
            ("not a url".into(), |e| matches!(e, FetchError::BadUrl(_))),
            ("http://grove-test.invalid/".into(), |e| {
                matches!(e, FetchError::Resolve { .. })
            }),
            (
                format!("http://{refused}/"),
                |e| matches!(e, FetchError::Connect { error, .. } if error.kind() == std::io::ErrorKind::ConnectionRefused),
            ),
        ];
        for (url, check) in cases {
            let err = get(&client, &url).await.unwrap_err();
            assert!(check(&err), "{url}: {err}");
        }
    });
}

#[test]
fn a_silent_server_times_out_and_the_others_go_on() {
    let summary = grove::run(async {
        let server = LocalServer::start().await.unwrap();
        let (silent, _) = scripted("127.0.0.1", vec![], Then::Hold).await;
        let urls = vec![page_url(&server, 0), format!("http://{silent}/"), page_url(&server, 4)];
        let options = run::Options {
            urls,
            concurrency: 3,
            // Only the silent server waits it out; the real pages must fit
            // in it even on a loaded machine.
            timeout: Duration::from_secs(3),
            verify: true,
            quiet: true,
        };
        run::fetch_all(client(Some(&server), Limits::default()), options).await
    });
    assert_eq!((summary.pages, summary.failed, summary.corrupt), (2, 1, 0));
    assert!(summary.elapsed < PATIENCE);
}

#[test]
fn concurrency_is_capped_by_the_descriptors_left() {
    assert_eq!(fd_limit::cap_concurrency(1000, 256, 10, 1), Some(214));
    assert_eq!(fd_limit::cap_concurrency(1000, 256, 10, 2), Some(107));
    assert_eq!(fd_limit::cap_concurrency(100, 20_000, 10, 2), None);
    assert_eq!(fd_limit::cap_concurrency(100, 10, 10, 1), Some(1));
    let limit = fd_limit::raise_fd_limit().unwrap();
    assert!(limit >= 256, "{limit}");
    assert!(fd_limit::open_fds().unwrap() > 2);
}
