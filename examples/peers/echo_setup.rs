//! What the echo peers (`echo_tokio`, `echo_smol`) share: their command
//! line and the descriptor limit every server of many connections raises.

use std::io;
use std::time::Duration;

#[path = "../support/fd_limit.rs"]
#[allow(dead_code)] // a server caps no concurrency of its own
mod fd_limit;

/// Bytes read at once, and the size of each connection's write buffer.
pub const BUF: usize = 1024;

/// Reads `ADDR [--idle-timeout SECS]` (defaults: 127.0.0.1:7000 and 5 s)
/// and raises the soft descriptor limit to the hard one, as `program`.
pub fn setup(program: &str) -> io::Result<(String, Duration)> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".to_owned());
    let idle = match (args.next().as_deref(), args.next()) {
        (Some("--idle-timeout"), Some(secs)) => secs.parse().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()),
        (None, None) => Some(Duration::from_secs(5)),
        _ => None,
    }
    .ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("usage: {program} ADDR [--idle-timeout SECS]"),
        )
    })?;
    if let Err(e) = fd_limit::raise_fd_limit() {
        eprintln!("{program}: could not raise the descriptor limit: {e}");
    }
    Ok((addr, idle))
}
