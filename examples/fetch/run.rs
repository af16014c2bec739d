//! Fetching many URLs at once: one green task per URL, at most
//! `concurrency` at a time through a `grove::pool::Pool`, all sharing one
//! client and its connections.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use grove::pool::Pool;

use crate::client::{Client, Stats};
use crate::error::FetchError;
use crate::pages;

/// What to fetch, and how: `urls` is taken one at a time, as the pool
/// has room.
pub struct Options<U> {
    pub urls: U,
    pub concurrency: usize,
    /// The most one URL may take, redirects and all.
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
    pub connections: Option<Stats>,
}

/// Fetches every URL with `client`, printing gevent's lines as it goes.
pub async fn fetch_all(client: Rc<Client>, options: Options<impl IntoIterator<Item = String>>) -> Summary {
    let start = Instant::now();
    let pool = Pool::new(options.concurrency);
    let running = Rc::new(Cell::new(0usize));
    let peak = Rc::new(Cell::new(0usize));
    let summary = Rc::new(RefCell::new(Summary::default()));
    for url in options.urls {
        let (client, running, peak, summary) = (client.clone(), running.clone(), peak.clone(), summary.clone());
        let (timeout, verify, quiet) = (options.timeout, options.verify, options.quiet);
        // Each task counts its own outcome, so no finished task is kept
        // for its result: the memory stays that of `concurrency` fetches.
        let task = pool.spawn(async move {
            running.set(running.get() + 1);
            peak.set(peak.get().max(running.get()));
            let outcome = fetch_one(&client, &url, timeout, verify, quiet).await;
            running.set(running.get() - 1);
            let mut summary = summary.borrow_mut();
            match outcome {
                Outcome::Fetched { bytes } => {
                    summary.pages += 1;
                    summary.bytes += bytes;
                }
                Outcome::Corrupt => summary.corrupt += 1,
                Outcome::Failed => summary.failed += 1,
            }
        });
        drop(task.await); // detached: the pool still waits for it below
    }
    pool.join().await;
    let mut summary = summary.take();
    summary.elapsed = start.elapsed();
    summary.peak_tasks = peak.get();
    summary.connections = Some(client.stats());
    summary
}

enum Outcome {
    Fetched { bytes: usize },
    Corrupt,
    Failed,
}

async fn fetch_one(client: &Client, url: &str, timeout: Duration, verify: bool, quiet: bool) -> Outcome {
    let fetched = match grove::timeout(timeout, client.get(url)).await {
        Ok(fetched) => fetched,
        Err(_) => Err(FetchError::TimedOut(timeout)),
    };
    match fetched {
        Ok(page) if !page.status.is_success() => {
            eprintln!("{url}: HTTP status {} from {}", page.status, page.url);
            Outcome::Failed
        }
        Ok(page) => {
            if verify && !pages::number(url).is_some_and(|n| pages::verify(n, &page.body)) {
                eprintln!("{url}: the body does not match the page's size and checksum");
                return Outcome::Corrupt;
            }
            if !quiet {
                let (status, version, bytes) = (page.status.as_u16(), page.version, page.body.len());
                println!("{status} {version:?} {bytes} bytes received from {}", page.url);
            }
            Outcome::Fetched { bytes: page.body.len() }
        }
        Err(e) => {
            eprintln!("{url}: {e}");
            Outcome::Failed
        }
    }
}
