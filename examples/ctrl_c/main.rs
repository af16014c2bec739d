//! Ctrl-C done right: the Python note on `KeyboardInterrupt` with worker
//! threads, ported to green tasks.
//!
//! ```sh
//! cargo run --example ctrl_c           # then press Ctrl-C
//! cargo run --example ctrl_c -- 5000   # jobs of 5 s: time for a second Ctrl-C
//! ```
//!
//! Ten workers take jobs from a queue that a producer keeps full. On
//! Ctrl-C (or `kill -TERM <pid>`) the producer stops, the workers finish
//! the jobs in hand and those still queued, and the program prints how
//! many jobs were done and how many were dropped (none), then exits with
//! status 0. A second Ctrl-C during the shutdown exits at once, with
//! status 130. `kill -USR1 <pid>` prints a task dump at any time.

mod shutdown;

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let job_ms = match std::env::args().nth(1).map(|arg| arg.parse::<u64>()) {
        None => 50,
        Some(Ok(ms)) => ms,
        Some(Err(e)) => {
            eprintln!("usage: ctrl_c [JOB_MILLISECONDS]: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = shutdown::Settings {
        workers: 10,
        job_time: Duration::from_millis(job_ms),
    };
    let rt = match grove::Runtime::builder().task_dump(true).build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ran = rt.block_on(shutdown::run(settings, || {
        println!("working, pid {}: press Ctrl-C to stop", std::process::id());
    }));
    match ran {
        Ok(report) if report.abandoned => {
            println!("second Ctrl-C: quitting at once, {} jobs unfinished", report.dropped());
            ExitCode::from(130)
        }
        Ok(report) => {
            println!(
                "stopped by {}: {} jobs done, {} dropped",
                report.signal,
                report.done,
                report.dropped()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot listen for signals: {e}");
            ExitCode::FAILURE
        }
    }
}
