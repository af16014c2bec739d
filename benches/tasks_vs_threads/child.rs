//! The parent's side of a cell: file-descriptor limits, which cells are not
//! run, running one in a fresh child process (killed if it takes too long)
//! and reading its result; and the child's side, which measures and prints.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::measure::measure;
use crate::report::label;
use crate::{CHILD_ENV, CHILD_TIMEOUT, Figure, Outcome, THREAD_CAP, Workload};

/// Descriptors kept free besides one per connection.
const FD_MARGIN: usize = 64;

/// Raises the soft RLIMIT_NOFILE to the hard limit (children inherit it)
/// and returns the soft limit in force.
pub(crate) fn raise_nofile() -> usize {
    crate::fd_limit::raise_fd_limit().map_or(1024, |limit| usize::try_from(limit).unwrap_or(usize::MAX))
}

fn open_fds() -> usize {
    crate::fd_limit::open_fds().map_or(0, |open| open as usize)
}

/// Why a cell is not run, if it is not.
pub(crate) fn not_run(workload: Workload, contender: &str, n: usize, nofile: usize) -> Option<String> {
    if contender == "threads" && n > THREAD_CAP {
        return Some(format!("capped at {} threads", label(THREAD_CAP)));
    }
    if workload == Workload::TcpIdle {
        // The server holds one descriptor per connection, and so does the
        // client helper, each under the same limit.
        let needed = n + open_fds() + FD_MARGIN;
        if needed > nofile {
            return Some(format!("skipped: ~{needed} fds per process > limit {nofile}"));
        }
    }
    None
}

/// Runs one cell in a fresh child process of this binary.
pub(crate) fn in_child(workload: Workload, contender: &str, n: usize) -> Outcome {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .env(CHILD_ENV, format!("{}:{contender}:{n}", workload.name()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start a child: {e}"))?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + CHILD_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", CHILD_TIMEOUT.as_secs()));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    if let Some(reason) = stdout.lines().find_map(|l| l.strip_prefix("NONE ")) {
        return Err(reason.to_owned());
    }
    let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT "));
    match (status.success(), result) {
        (true, Some(result)) => parse_result(result).ok_or_else(|| format!("bad child output: {result}")),
        _ => {
            let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("no output");
            eprintln!("{}/{contender}/{n} failed ({status}):\n{stderr}", workload.name());
            Err(format!("failed: {last}"))
        }
    }
}

fn parse_result(line: &str) -> Option<Figure> {
    let fields: BTreeMap<&str, f64> = line
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k, v.parse().ok()?))
        })
        .collect();
    Some(Figure {
        per_unit: *fields.get("per_unit")?,
        wall: Duration::from_secs_f64(*fields.get("wall_s")?),
        rss: fields.get("rss").copied(),
        early: *fields.get("early")? as usize,
    })
}

/// The child's side: runs the cell named in `spec` and prints its figure.
pub(crate) fn child_main(spec: &str) {
    raise_nofile();
    let mut parts = spec.split(':');
    let (Some(workload), Some(contender), Some(n)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("bad {CHILD_ENV}: {spec}");
    };
    let workload = Workload::from_name(workload).expect("known workload");
    let n: usize = n.parse().expect("N");
    match measure(workload, contender, n) {
        Ok(f) => {
            let rss = f.rss.map(|r| format!(" rss={r}")).unwrap_or_default();
            println!(
                "RESULT per_unit={} wall_s={} early={}{rss}",
                f.per_unit,
                f.wall.as_secs_f64(),
                f.early
            );
        }
        Err(reason) => println!("NONE {reason}"),
    }
}
