//! gevent's concurrent fetcher: one green task per URL, each `GET`s its
//! page, reads the whole body and prints `N bytes received from URL`; all
//! are joined at the end.
//!
//! ```sh
//! cargo run --release --example fetch                 # local mode
//! cargo run --release --example fetch -- http://example.com/ http://example.org/
//! ```
//!
//! With no URL, it starts an HTTP/1.1 server on 127.0.0.1 in the same
//! runtime and fetches `--count` distinct pages from it, checking each
//! page's size and checksum. Flags: `--concurrency N` (default 100),
//! `--count N` (default 1000), `--timeout SECS` (default 10), `--quiet`.
//! A URL that fails prints one line on stderr; the others go on. The exit
//! status is 1 if any fetch failed.

mod http;
mod pages;
mod run;

use std::process::ExitCode;
use std::time::Duration;

use grove::net::TcpListener;

struct Args {
    urls: Vec<String>,
    concurrency: usize,
    count: u32,
    timeout: Duration,
    quiet: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        urls: Vec::new(),
        concurrency: 100,
        count: 1000,
        timeout: Duration::from_secs(10),
        quiet: false,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let value = argv.next().ok_or(format!("{flag} needs a number"))?;
            value.parse().map_err(|_| format!("{flag}: {value:?} is not a number"))
        };
        match arg.as_str() {
            "--concurrency" => args.concurrency = number("--concurrency")?.max(1) as usize,
            "--count" => args.count = number("--count")? as u32,
            "--timeout" => args.timeout = Duration::from_secs(number("--timeout")?),
            "--quiet" => args.quiet = true,
            "-h" | "--help" => {
                return Err("usage: fetch [--concurrency N] [--count N] [--timeout SECS] [--quiet] [URL...]".into());
            }
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ => args.urls.push(arg),
        }
    }
    Ok(args)
}

/// The number of OS threads in this process, from `/proc/self/status`.
fn os_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let local = args.urls.is_empty();
    let result = grove::run(async move {
        let mut urls = args.urls;
        if local {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            println!("local server on http://{addr}/, fetching {} pages", args.count);
            grove::spawn(pages::serve(listener));
            urls = (0..args.count).map(|n| format!("http://{addr}/page/{n}")).collect();
        }
        let summary = run::fetch_all(run::Options {
            urls,
            concurrency: args.concurrency,
            timeout: args.timeout,
            verify: local,
            quiet: args.quiet,
        })
        .await;
        Ok::<_, std::io::Error>((summary, os_threads()))
    });
    let (summary, threads) = match result {
        Ok(done) => done,
        Err(e) => {
            eprintln!("could not start the local server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let seconds = summary.elapsed.as_secs_f64();
    println!(
        "\n{} pages, {} bytes in {:.3} s: {:.0} pages/s; {} failed{}; peak {} concurrent fetch tasks; {} OS threads",
        summary.pages,
        summary.bytes,
        seconds,
        summary.pages as f64 / seconds,
        summary.failed,
        if local {
            format!(", {} failed the checksum", summary.corrupt)
        } else {
            String::new()
        },
        summary.peak_tasks,
        threads.map_or("?".to_owned(), |t| t.to_string()),
    );
    if summary.failed + summary.corrupt > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
