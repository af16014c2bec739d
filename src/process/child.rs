//! [`Child`]: a running child process, its pipes, and its reaping.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::ExitStatus;
use std::task::Poll;

use super::exit::{self, Exit};
use super::{ChildStderr, ChildStdin, ChildStdout};

/// A child process started by [`Command::spawn`](super::Command::spawn).
///
/// [`wait`](Child::wait) reaps it without blocking the loop. A `Child`
/// dropped while the process runs leaves it running (or kills it first,
/// with [`kill_on_drop`](super::Command::kill_on_drop)), and the runtime
/// reaps it when it exits: no zombie is left behind.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let mut child = grove::process::Command::new("true").spawn()?;
///     assert!(child.id().is_some());
///     assert!(child.wait().await?.success());
///     assert_eq!(child.id(), None); // reaped
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Child {
    /// The process until it is reaped; then its status.
    state: State,
    kill_on_drop: bool,
    /// The child's stdin, if it was piped.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if it was piped.
    pub stderr: Option<ChildStderr>,
}

/// A child's pipes, once in the reactor.
pub(super) type Pipes = (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>);

enum State {
    /// Not reaped yet: the std handle (for `try_wait` and `kill` on this
    /// exact pid) and the way to learn that it exited.
    Running(std::process::Child, Exit),
    Reaped(ExitStatus),
    /// Handed to the reaper, in `drop`.
    Gone,
}

impl Child {
    /// Takes `std`'s pipes into the reactor; on failure, `std` comes back
    /// with the error, for the caller to kill and reap.
    pub(super) fn take_pipes(
        mut std: std::process::Child,
    ) -> Result<(std::process::Child, Pipes), (std::process::Child, io::Error)> {
        let pipes = (|| {
            let stdin = std.stdin.take().map(ChildStdin::new).transpose()?;
            let stdout = std.stdout.take().map(ChildStdout::new).transpose()?;
            let stderr = std.stderr.take().map(ChildStderr::new).transpose()?;
            Ok((stdin, stdout, stderr))
        })();
        match pipes {
            Ok(pipes) => Ok((std, pipes)),
            Err(e) => Err((std, e)),
        }
    }

    pub(super) fn new(std: std::process::Child, pipes: Pipes, exit: Exit, kill_on_drop: bool) -> Child {
        let (stdin, stdout, stderr) = pipes;
        Child {
            state: State::Running(std, exit),
            kill_on_drop,
            stdin,
            stdout,
            stderr,
        }
    }

    /// The process id, until the child is reaped.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let mut child = grove::process::Command::new("true").spawn()?;
    ///     assert!(child.id().unwrap() > 0);
    ///     child.wait().await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(std, _) => Some(std.id()),
            State::Reaped(_) | State::Gone => None,
        }
    }

    /// Waits for the child to exit and reaps it. Closes its stdin first,
    /// so that a child that reads to the end of its input can finish.
    ///
    /// # Errors
    /// If the OS fails to report the child's status.
    ///
    /// # Cancel safety
    /// Dropping the future loses nothing: the next `wait` (or the drop of
    /// the `Child`) takes over.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let mut child = grove::process::Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    ///     assert_eq!(child.wait().await?.code(), Some(3));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        let status = poll_fn(|cx| match &mut self.state {
            State::Running(std, exit) => exit.poll_reap(cx, std),
            State::Reaped(status) => Poll::Ready(Ok(*status)),
            State::Gone => unreachable!("only drop gives the child away"),
        })
        .await?;
        self.state = State::Reaped(status);
        Ok(status)
    }

    /// The child's status if it has exited (reaping it), or `None`.
    ///
    /// # Errors
    /// If the OS fails to report the child's status.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let mut child = grove::process::Command::new("sleep").arg("10").spawn()?;
    ///     assert!(child.try_wait()?.is_none());
    ///     child.kill()?;
    ///     child.wait().await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = match &mut self.state {
            State::Running(std, _) => std.try_wait()?,
            State::Reaped(status) => Some(*status),
            State::Gone => None,
        };
        if let Some(status) = status {
            self.state = State::Reaped(status);
        }
        Ok(status)
    }

    /// Sends SIGKILL to the child, at once; [`wait`](Child::wait) then
    /// reaps it. Does nothing once the child has been reaped.
    ///
    /// # Errors
    /// If the signal cannot be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    ///
    /// grove::run(async {
    ///     let mut child = grove::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.kill()?;
    ///     assert_eq!(child.wait().await?.signal(), Some(libc::SIGKILL));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(std, _) => std.kill(),
            State::Reaped(_) | State::Gone => Ok(()),
        }
    }

    /// Writes `input` to the child's stdin (then closes it) while reading
    /// its stdout and stderr to the end, all at once, so that no full pipe
    /// can deadlock the exchange; then reaps the child: gevent.subprocess's
    /// `communicate`. Pipes that were not set to [`Stdio::piped`](super::Stdio::piped)
    /// are skipped. With a `timeout`, a child that has not finished in
    /// time is killed and reaped, and the error carries what it had
    /// written so far.
    ///
    /// # Errors
    /// A [`CommunicateError`](super::CommunicateError): I/O on the pipes
    /// failed, or the time ran out. A child that stops reading its input
    /// early (`BrokenPipe`) is not an error.
    ///
    /// # Cancel safety
    /// Dropping the future drops the pipes it took; the child is reaped by
    /// a later `wait`, or when the `Child` drops.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use grove::process::{Command, Stdio};
    ///
    /// grove::run(async {
    ///     let mut child = Command::new("tr").arg("a-z").arg("A-Z")
    ///         .stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    ///     let output = child.communicate(b"shout", Some(Duration::from_secs(10))).await?;
    ///     assert_eq!(output.stdout, b"SHOUT");
    ///     assert!(output.status.success());
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// }).unwrap();
    /// ```
    pub async fn communicate(
        &mut self,
        input: &[u8],
        timeout: Option<std::time::Duration>,
    ) -> Result<std::process::Output, super::CommunicateError> {
        super::communicate::communicate(self, input, timeout).await
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let State::Running(mut std, exit) = std::mem::replace(&mut self.state, State::Gone) {
            if self.kill_on_drop {
                // A child that already exited cannot be signalled; it is
                // reaped all the same.
                let _ = std.kill();
            }
            exit::adopt(std, exit);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match &self.state {
            State::Reaped(status) => Some(*status),
            _ => None,
        };
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("status", &status)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
