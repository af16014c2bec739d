//! The fetch example's local mode, run as a test: every page's size and
//! checksum is checked, and failures stay one line each.

#[path = "../examples/fetch/http.rs"]
mod http;
#[path = "../examples/fetch/pages.rs"]
mod pages;
#[path = "../examples/fetch/run.rs"]
mod run;

use std::time::Duration;

use futures::AsyncWriteExt;
use grove::net::TcpListener;

async fn local_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    grove::spawn(pages::serve(listener));
    addr
}

fn options(urls: Vec<String>, concurrency: usize) -> run::Options {
    run::Options {
        urls,
        concurrency,
        timeout: Duration::from_secs(10),
        verify: true,
        quiet: true,
    }
}

#[test]
fn local_mode_checks_every_page() {
    let summary = grove::run(async {
        let addr = local_server().await;
        let urls = (0..300).map(|n| format!("http://{addr}/page/{n}")).collect();
        run::fetch_all(options(urls, 50)).await
    });
    assert_eq!((summary.pages, summary.failed, summary.corrupt), (300, 0, 0));
    assert_eq!(summary.bytes, (0..300).map(pages::size).sum::<usize>());
    assert_eq!(summary.peak_tasks, 50);
}

#[test]
fn both_framings_deliver_the_exact_page() {
    grove::run(async {
        let addr = local_server().await;
        // Even pages come with Content-Length, odd ones chunked.
        for n in [6, 7] {
            let response = http::get(&format!("http://{addr}/page/{n}"), Duration::from_secs(5))
                .await
                .unwrap();
            assert_eq!(response.status, 200);
            assert!(pages::verify(n, &response.body));
        }
    });
}

#[test]
fn a_changed_byte_fails_the_check() {
    let mut body = pages::body(3);
    assert!(pages::verify(3, &body));
    body[100] ^= 1;
    assert!(!pages::verify(3, &body));
    assert!(!pages::verify(4, &pages::body(3)));
}

#[test]
fn failures_are_counted_and_the_other_fetches_go_on() {
    let summary = grove::run(async {
        let addr = local_server().await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // A server that answers with garbage.
        let garbage = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let garbage_addr = garbage.local_addr().unwrap();
        grove::spawn(async move {
            loop {
                let (mut stream, _) = garbage.accept().await.unwrap();
                let _ = stream.write_all(b"NOT HTTP AT ALL\r\n\r\n").await;
            }
        });
        let urls = vec![
            format!("http://{addr}/page/1"),
            format!("http://{closed}/"),
            format!("http://{garbage_addr}/"),
            format!("http://{addr}/missing"),
            "ftp://example.com/".to_owned(),
            format!("http://{addr}/page/2"),
        ];
        run::fetch_all(options(urls, 3)).await
    });
    assert_eq!((summary.pages, summary.failed, summary.corrupt), (2, 4, 0));
}

#[test]
fn a_silent_server_times_out() {
    grove::run(async {
        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        let err = http::get(&url, Duration::from_millis(100)).await.err().unwrap();
        assert!(matches!(err, http::FetchError::TimedOut(_)), "{err}");
    });
}
