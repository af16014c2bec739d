//! How many OS threads this process has: the `Threads:` line of
//! `/proc/self/status` (Linux), or `None` elsewhere.

/// The process's OS thread count, if the system tells.
pub fn os_threads() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}
