//! What both peers share: the command line, and the summary line that
//! benches/fetch/harness.py reads.

use std::path::PathBuf;
use std::time::Duration;

/// `PEER --ca FILE --concurrency N URL_FILE`
pub struct Args {
    pub ca: PathBuf,
    pub concurrency: usize,
    pub urls: Vec<String>,
}

pub fn args() -> Args {
    let mut argv = std::env::args().skip(1);
    let (mut ca, mut concurrency, mut file) = (None, 100, None);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--ca" => ca = argv.next().map(PathBuf::from),
            "--concurrency" => concurrency = argv.next().and_then(|n| n.parse().ok()).expect("--concurrency N"),
            _ => file = Some(arg),
        }
    }
    let file = file.expect("usage: PEER --ca FILE [--concurrency N] URL_FILE");
    let urls = std::fs::read_to_string(file).expect("the URL file").lines().map(str::to_owned).collect();
    Args {
        ca: ca.expect("--ca FILE"),
        concurrency,
        urls,
    }
}

/// The summary line: `pages=N failed=N bytes=N seconds=F`.
pub fn report(pages: usize, failed: usize, bytes: usize, elapsed: Duration) {
    println!("pages={pages} failed={failed} bytes={bytes} seconds={:.3}", elapsed.as_secs_f64());
}
