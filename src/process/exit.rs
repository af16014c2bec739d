//! Waiting for a child to exit without blocking the loop, and reaping the
//! children nobody waits for any more.
//!
//! On Linux 5.3 and later, `pidfd_open` gives a descriptor that turns
//! readable when the child exits: it goes in the reactor like a socket,
//! with no signal handler and no thread. std's own pidfd API is unstable,
//! so the call goes through libc. Where it is missing or refused (older
//! kernels, seccomp filters), or with the environment variable
//! `GROVE_PROCESS_SIGCHLD=1`, which the tests use to exercise this path, a
//! SIGCHLD listener wakes the waiter, which then
//! asks about its own child only (`waitpid(pid, WNOHANG)`, through std's
//! `try_wait`), never `waitpid(-1)`: a status that belongs to a child
//! started elsewhere in the program is never stolen.
//!
//! A child dropped while it runs is handed to a detached task that reaps
//! it when it exits, as tokio's orphan queue does; if no runtime is left to
//! run that task, the child joins a process-wide list of orphans that is
//! swept at every spawn.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};

use crate::io::{Async, FdSource};
use crate::runtime::context;
use crate::signal::{Signal, SignalKind, signal};

/// How a waiter learns that its child has exited.
pub(super) enum Exit {
    /// The child's pidfd, readable once it has exited.
    Pidfd(Async<Pidfd>),
    /// A SIGCHLD listener, made before the child was started.
    Sigchld(Signal),
}

impl Exit {
    /// A way to wait for the child `pid`, to be called right after it
    /// started. With the SIGCHLD fallback, [`Exit::before_spawn`] must
    /// have made the listener first.
    pub(super) fn watch(pid: u32, sigchld: Option<Signal>) -> io::Result<Exit> {
        match sigchld {
            Some(listener) => Ok(Exit::Sigchld(listener)),
            None => Ok(Exit::Pidfd(Async::new(open_pidfd(pid)?)?)),
        }
    }

    /// What must exist before a child starts: the SIGCHLD listener, if the
    /// fallback is in use (a SIGCHLD before it would be lost).
    pub(super) fn before_spawn() -> io::Result<Option<Signal>> {
        if use_sigchld() {
            signal(SignalKind::child()).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Polls until `child` has exited, and reaps it.
    pub(super) fn poll_reap(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut std::process::Child,
    ) -> Poll<io::Result<ExitStatus>> {
        match self {
            Exit::Pidfd(pidfd) => pidfd.poll_read_with(cx, |_| {
                child
                    .try_wait()?
                    .ok_or_else(|| io::Error::from(io::ErrorKind::WouldBlock))
            }),
            Exit::Sigchld(sigchld) => loop {
                if let Some(status) = child.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                std::task::ready!(sigchld.poll_recv(cx))?;
            },
        }
    }
}

/// Whether to wait with SIGCHLD: no pidfd on this kernel, or asked for.
fn use_sigchld() -> bool {
    static SIGCHLD: OnceLock<bool> = OnceLock::new();
    *SIGCHLD.get_or_init(|| {
        if std::env::var_os("GROVE_PROCESS_SIGCHLD").is_some_and(|v| v == "1") {
            return true;
        }
        // A pidfd of this very process: any failure (ENOSYS on an old
        // kernel, EPERM under a seccomp filter that refuses the call) means
        // pidfds cannot be had here.
        // SAFETY: `pidfd_open` takes a pid and flags and returns a new
        // descriptor or -1; no memory is passed.
        let probe = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
        let fd = match i32::try_from(probe) {
            Ok(fd) if fd >= 0 => fd,
            _ => return true, // -1: no pidfd
        };
        // SAFETY: the descriptor was just opened here and is used by no
        // one else.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
        false
    })
}

/// A process's pidfd, as a reactor source.
pub(super) type Pidfd = FdSource<OwnedFd>;

/// Opens the pidfd of `pid`, in non-blocking mode.
fn open_pidfd(pid: u32) -> io::Result<Pidfd> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: as in `use_sigchld`; the result is checked before use.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, libc::PIDFD_NONBLOCK) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(io::Error::other)?;
    // SAFETY: the kernel just returned this descriptor, owned by no one
    // else.
    Ok(FdSource(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// Children dropped while running when no runtime could reap them.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

fn orphans() -> std::sync::MutexGuard<'static, Vec<std::process::Child>> {
    ORPHANS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reaps the orphans that have exited since the last sweep.
pub(super) fn sweep_orphans() {
    orphans().retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

/// Takes over `child`, still running, whose `Child` is being dropped: a
/// detached task reaps it when it exits.
pub(super) fn adopt(mut child: std::process::Child, exit: Exit) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    let mut orphan = Orphan(Some(child), exit);
    // With no runtime on this thread, the closure is dropped uncalled, and
    // with it `orphan`, which files the child with the other orphans.
    context::with_current(|core| {
        let reaper = async move {
            let reaped = std::future::poll_fn(|cx| {
                let Orphan(child, exit) = &mut orphan;
                let child = child.as_mut().expect("reaped once");
                exit.poll_reap(cx, child)
            })
            .await;
            if reaped.is_ok() {
                // Reaped: nothing for the drop to file away.
                drop(orphan.0.take());
            }
        };
        drop(core.spawn(reaper, (), std::panic::Location::caller()));
    });
}

/// A child being reaped by a detached task. If the task is dropped first
/// (its runtime shut down), the child goes to the process-wide list.
struct Orphan(Option<std::process::Child>, Exit);

impl Drop for Orphan {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            if matches!(child.try_wait(), Ok(None)) {
                orphans().push(child);
            }
        }
    }
}
