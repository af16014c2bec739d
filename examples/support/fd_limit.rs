//! Descriptors: a program with thousands of connections needs more than
//! the usual soft limit of 1,024, so it raises it to the hard limit at
//! start, as servers do, and keeps its concurrency below what is left.
//! Shared by the fetch example and the tasks-against-threads bench.

use std::io;

/// Raises the soft limit on open descriptors to the hard limit, and
/// returns the new soft limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` fills the struct it is given, which lives here.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above; the struct is only read.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    Ok(limit.rlim_cur)
}

/// Descriptors open now, from `/proc/self/fd` (Linux), or `None`.
pub fn open_fds() -> Option<u64> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count() as u64)
}

/// The concurrency that fits in `limit` descriptors with `open` taken,
/// when each fetch may hold `per_fetch` of them, keeping `RESERVE` spare
/// for the runtime, DNS and the like. `None` if `wanted` fits.
pub fn cap_concurrency(wanted: usize, limit: u64, open: u64, per_fetch: u64) -> Option<usize> {
    const RESERVE: u64 = 32;
    let spare = limit.saturating_sub(open + RESERVE);
    let fits = usize::try_from(spare / per_fetch.max(1)).unwrap_or(usize::MAX).max(1);
    (wanted > fits).then_some(fits)
}
