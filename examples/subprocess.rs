//! A hundred child processes at once, on one thread: gevent.subprocess's
//! promise, with no thread per child.
//!
//! ```sh
//! cargo run --release --example subprocess
//! ```
//!
//! Each child runs `sh -c 'sleep "$1"; echo $$' sh 0.NNN`, with a delay
//! the example picks (up to a second; `/bin/sh` may be dash, which has no
//! `$RANDOM`), and prints its pid. The program reads every child's output,
//! checks it, and prints the wall time, which is close to the longest
//! delay rather than their sum, and the number of OS threads the process
//! used: one, since each child's exit is a pidfd in the reactor.

#[path = "support/os_threads.rs"]
mod os_threads;

use std::io;
use std::time::{Duration, Instant};

use futures::AsyncReadExt;
use grove::process::{Command, Stdio};

const CHILDREN: u32 = 100;
/// How long one child may take, however loaded the machine.
const CHILD_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of a child's output that is kept: a pid and a newline fit.
const MAX_OUTPUT: usize = 32;

fn main() -> io::Result<()> {
    let started = Instant::now();
    let (total_delay, failures) = grove::run(async {
        let children: Vec<_> = (0..CHILDREN)
            .map(|n| {
                // Spread the delays over 0–990 ms with a fixed stride.
                let delay = Duration::from_millis(u64::from(n * 37 % 100) * 10);
                grove::spawn(async move { (delay, run_child(delay).await) })
            })
            .collect();
        let mut total_delay = Duration::ZERO;
        let mut failures = 0;
        for finished in grove::joinall(children).await {
            let (delay, result) = finished.expect("a child's task panicked");
            total_delay += delay;
            if let Err(e) = result {
                eprintln!("child with delay {delay:?}: {e}");
                failures += 1;
            }
        }
        (total_delay, failures)
    });
    println!(
        "{CHILDREN} children, {failures} failed, in {:.2?} (their delays add up to {total_delay:.2?})",
        started.elapsed()
    );
    println!(
        "OS threads used: {}",
        os_threads::os_threads().map_or_else(|| "unknown".into(), |n| n.to_string())
    );
    if failures > 0 {
        return Err(io::Error::other(format!("{failures} children failed")));
    }
    Ok(())
}

/// Runs one child and checks that it printed its own pid.
async fn run_child(delay: Duration) -> io::Result<()> {
    let mut child = Command::new("sh")
        .args(["-c", r#"sleep "$1"; echo $$"#, "sh"])
        .arg(format!("{:.3}", delay.as_secs_f64()))
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().expect("not reaped yet");
    let mut stdout = child.stdout.take().expect("piped");
    let mut printed = Vec::new();
    let finished = async {
        // At most MAX_OUTPUT bytes are kept; the rest is left unread.
        (&mut stdout).take(MAX_OUTPUT as u64).read_to_end(&mut printed).await?;
        child.wait().await
    };
    // On timeout `child` drops: `kill_on_drop` kills it, the runtime reaps.
    let status = grove::timeout(CHILD_TIMEOUT, finished)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the child took too long"))??;
    if !status.success() {
        return Err(io::Error::other(format!("exited with {status}")));
    }
    let printed = String::from_utf8_lossy(&printed);
    match printed.trim().parse::<u32>() {
        Ok(printed) if printed == pid => Ok(()),
        _ => Err(io::Error::other(format!("printed {printed:?}, not its pid {pid}"))),
    }
}
