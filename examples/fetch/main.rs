//! gevent's concurrent fetcher: one green task per URL, each `GET`s its
//! page as `requests.get` would and prints `STATUS N bytes received from
//! URL`; all are joined at the end.
//!
//! ```sh
//! cargo run --release --example fetch                 # local mode
//! cargo run --release --example fetch -- https://example.com/ https://www.rust-lang.org/
//! ```
//!
//! The client is hyper's, with TLS by rustls (on *ring*, trusting
//! webpki-roots), on grove. It keeps connections open and reuses them (at
//! most `--per-origin` per origin), speaks HTTP/2 where TLS negotiates it,
//! follows up to 10 redirects by the browser rules, and decodes gzip,
//! deflate and chunked bodies.
//!
//! With no URL, it starts a server on 127.0.0.1 in the same runtime, over
//! http and https with a certificate made at start, and fetches `--count`
//! pages from it: plain, gzip, deflate, chunked and redirected ones,
//! checking each page's size and checksum.
//!
//! Flags: `--concurrency N` (default 100), `--count N` (default 1000),
//! `--timeout SECS` per URL, redirects included (default 10),
//! `--max-body BYTES` (default 10 MiB, received or decoded; a larger
//! declared length is refused before reading), `--per-origin N` (default
//! 10), `--ca FILE` (more PEM roots to trust), `--quiet`. Response heads
//! are capped at 64 KiB. A URL that fails prints one line on stderr; the
//! others go on. The exit status is 1 if any fetch failed.

mod body;
mod client;
mod connect;
mod error;
mod pages;
mod pool;
mod run;
mod server;
mod tls;

#[path = "../support/fd_limit.rs"]
mod fd_limit;
#[path = "../support/os_threads.rs"]
mod os_threads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use client::{Client, Limits};

struct Args {
    urls: Vec<String>,
    concurrency: usize,
    count: u32,
    timeout: Duration,
    limits: Limits,
    ca: Option<PathBuf>,
    quiet: bool,
}

const USAGE: &str = "usage: fetch [--concurrency N] [--count N] [--timeout SECS] [--max-body BYTES] \
                     [--per-origin N] [--ca FILE] [--quiet] [URL...]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        urls: Vec::new(),
        concurrency: 100,
        count: 1000,
        timeout: Duration::from_secs(10),
        limits: Limits::default(),
        ca: None,
        quiet: false,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = |flag: &str| argv.next().ok_or(format!("{flag} needs a value"));
        let number = |flag: &str, value: String| -> Result<u64, String> {
            value.parse().map_err(|_| format!("{flag}: {value:?} is not a number"))
        };
        match arg.as_str() {
            "--concurrency" => args.concurrency = number(&arg, value(&arg)?)?.max(1) as usize,
            "--count" => args.count = u32::try_from(number(&arg, value(&arg)?)?).map_err(|e| e.to_string())?,
            "--timeout" => args.timeout = Duration::from_secs(number(&arg, value(&arg)?)?),
            "--max-body" => args.limits.max_body = number(&arg, value(&arg)?)? as usize,
            "--per-origin" => args.limits.per_origin = number(&arg, value(&arg)?)?.max(1) as usize,
            "--ca" => args.ca = Some(PathBuf::from(value(&arg)?)),
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}\n{USAGE}")),
            _ => args.urls.push(arg),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let mut args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let local = args.urls.is_empty();
    let mut roots = Vec::new();
    if let Some(path) = &args.ca {
        match tls::read_ca_file(path) {
            Ok(certs) => roots.extend(certs),
            Err(e) => {
                eprintln!("--ca: {e}");
                return ExitCode::from(2);
            }
        }
    }
    fit_descriptors(&mut args.concurrency, local);

    let result = grove::run(async move {
        let mut urls: Box<dyn Iterator<Item = String>> = Box::new(args.urls.into_iter());
        let mut server = None;
        if local {
            let started = server::LocalServer::start().await?;
            println!(
                "local server on http://{} and https://localhost:{}, fetching {} pages",
                started.http,
                started.https.port(),
                args.count
            );
            roots.push(started.certs.ca.clone());
            urls = Box::new(started.page_urls(0..args.count));
            server = Some(started);
        }
        let client = Rc::new(Client::new(tls::client_config(&roots)?, args.limits));
        let summary = run::fetch_all(
            client,
            run::Options {
                urls,
                concurrency: args.concurrency,
                timeout: args.timeout,
                verify: local,
                quiet: args.quiet,
            },
        )
        .await;
        let accepted = server.map(|server| server.accepted.get());
        Ok::<_, std::io::Error>((summary, accepted, os_threads::os_threads()))
    });
    let (summary, accepted, threads) = match result {
        Ok(done) => done,
        Err(e) => {
            eprintln!("could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_summary(&summary, accepted, threads);
    if summary.failed + summary.corrupt > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Raises the descriptor limit, and lowers `concurrency` to what fits in
/// it: a fetch uses at most one connection at a time (and in local mode
/// the server holds the other end). Idle connections to origins no longer
/// fetched from also count until their idle timeout closes them, so a
/// crawl over very many origins keeps a margin.
fn fit_descriptors(concurrency: &mut usize, local: bool) {
    let limit = match fd_limit::raise_fd_limit() {
        Ok(limit) => limit,
        Err(e) => {
            eprintln!("cannot read the descriptor limit ({e}); concurrency stays {concurrency}");
            return;
        }
    };
    let open = fd_limit::open_fds().unwrap_or(16);
    if let Some(fits) = fd_limit::cap_concurrency(*concurrency, limit, open, if local { 2 } else { 1 }) {
        eprintln!("concurrency capped at {fits} (asked {concurrency}): the descriptor limit is {limit}, {open} open");
        *concurrency = fits;
    }
}

fn print_summary(summary: &run::Summary, accepted: Option<u64>, threads: Option<u32>) {
    let seconds = summary.elapsed.as_secs_f64();
    let connections = summary.connections.map_or(String::new(), |c| {
        format!(
            "; connections: {} opened, {} reuses, {} TLS handshakes",
            c.opened, c.reused, c.handshakes
        )
    });
    println!(
        "\n{} pages, {} bytes in {:.3} s: {:.0} pages/s; {} failed{}{connections}{}; peak {} concurrent fetch tasks; {} OS threads",
        summary.pages,
        summary.bytes,
        seconds,
        summary.pages as f64 / seconds,
        summary.failed,
        accepted.map_or(String::new(), |_| format!(", {} failed the checksum", summary.corrupt)),
        accepted.map_or(String::new(), |n| format!(" (the server accepted {n})")),
        summary.peak_tasks,
        threads.map_or("?".to_owned(), |t| t.to_string()),
    );
}
