//! Fetching many URLs at once: one green task per URL, at most
//! `concurrency` at a time through a `grove::pool::Pool`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use grove::pool::Pool;

use crate::{http, pages};

/// What to fetch, and how.
pub struct Options {
    pub urls: Vec<String>,
    pub concurrency: usize,
    pub timeout: Duration,
    /// Check each body against the local server's page of the same number.
    pub verify: bool,
    /// Print only the summary and errors.
    pub quiet: bool,
}

/// What happened.
#[derive(Debug, Default)]
pub struct Summary {
    pub pages: usize,
    pub bytes: usize,
    pub failed: usize,
    pub corrupt: usize,
    pub elapsed: Duration,
    pub peak_tasks: usize,
}

/// Fetches every URL, printing gevent's lines as it goes.
pub async fn fetch_all(options: Options) -> Summary {
    let start = Instant::now();
    let pool = Pool::new(options.concurrency);
    let running = Rc::new(Cell::new(0usize));
    let peak = Rc::new(Cell::new(0usize));
    let mut tasks = Vec::with_capacity(options.urls.len());
    for url in options.urls {
        let (running, peak) = (running.clone(), peak.clone());
        let (timeout, verify, quiet) = (options.timeout, options.verify, options.quiet);
        tasks.push(
            pool.spawn(async move {
                running.set(running.get() + 1);
                peak.set(peak.get().max(running.get()));
                let outcome = fetch_one(&url, timeout, verify, quiet).await;
                running.set(running.get() - 1);
                outcome
            })
            .await,
        );
    }
    let mut summary = Summary::default();
    for outcome in grove::joinall(tasks).await {
        match outcome.expect("fetch tasks neither panic nor get killed") {
            Outcome::Fetched { bytes } => {
                summary.pages += 1;
                summary.bytes += bytes;
            }
            Outcome::Corrupt => summary.corrupt += 1,
            Outcome::Failed => summary.failed += 1,
        }
    }
    summary.elapsed = start.elapsed();
    summary.peak_tasks = peak.get();
    summary
}

enum Outcome {
    Fetched { bytes: usize },
    Corrupt,
    Failed,
}

async fn fetch_one(url: &str, timeout: Duration, verify: bool, quiet: bool) -> Outcome {
    if !quiet {
        println!("GET: {url}");
    }
    match http::get(url, timeout).await {
        Ok(response) if response.status != 200 => {
            eprintln!("{url}: HTTP status {}", response.status);
            Outcome::Failed
        }
        Ok(response) => {
            if verify {
                let number = url.rfind("/page/").and_then(|i| pages::number(&url[i..]));
                if !number.is_some_and(|n| pages::verify(n, &response.body)) {
                    eprintln!("{url}: the body does not match the page's size and checksum");
                    return Outcome::Corrupt;
                }
            }
            if !quiet {
                println!("{} bytes received from {url}", response.body.len());
            }
            Outcome::Fetched {
                bytes: response.body.len(),
            }
        }
        Err(e) => {
            eprintln!("{url}: {e}");
            Outcome::Failed
        }
    }
}
