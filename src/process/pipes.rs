//! The pipes to a child's standard streams, as futures-io streams.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::io::{AsyncRead, AsyncWrite};
use mio::unix::pipe::{Receiver, Sender};

use crate::io::Async;

/// Registers one end of a child's pipe, switched to non-blocking mode.
fn register<P: mio::event::Source>(end: P, nonblocking: impl FnOnce(&P) -> io::Result<()>) -> io::Result<Async<P>> {
    nonblocking(&end)?;
    Async::new(end)
}

/// The child's standard input, when it was piped: futures-io
/// [`AsyncWrite`]. Closing it (`AsyncWriteExt::close`) or dropping it
/// closes the pipe, and the child reads the end of its input; a write
/// after `close` fails with `BrokenPipe`.
///
/// # Cancel safety
/// A `write` dropped before it completes wrote nothing.
///
/// # Examples
///
/// ```
/// use futures::AsyncWriteExt;
/// use grove::process::{Command, Stdio};
///
/// grove::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
///     let mut stdin: grove::process::ChildStdin = child.stdin.take().unwrap();
///     stdin.write_all(b"hello").await?;
///     stdin.close().await?;
///     assert!(child.wait().await?.success());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ChildStdin(Option<Async<Sender>>);

/// The child's standard output, when it was piped: futures-io
/// [`AsyncRead`].
///
/// # Cancel safety
/// A `read` dropped before it completes took no bytes.
///
/// # Examples
///
/// ```
/// use futures::AsyncReadExt;
/// use grove::process::{Command, Stdio};
///
/// grove::run(async {
///     let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out).await?;
///     assert_eq!(out, "hi\n");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ChildStdout(Async<Receiver>);

/// The child's standard error, when it was piped: futures-io
/// [`AsyncRead`].
///
/// # Cancel safety
/// A `read` dropped before it completes took no bytes.
///
/// # Examples
///
/// ```
/// use futures::AsyncReadExt;
/// use grove::process::{Command, Stdio};
///
/// grove::run(async {
///     let mut child = Command::new("sh").args(["-c", "echo oops >&2"]).stderr(Stdio::piped()).spawn()?;
///     let mut err = String::new();
///     child.stderr.take().unwrap().read_to_string(&mut err).await?;
///     assert_eq!(err, "oops\n");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ChildStderr(Async<Receiver>);

impl ChildStdin {
    pub(super) fn new(stdin: std::process::ChildStdin) -> io::Result<ChildStdin> {
        register(Sender::from(stdin), |end| end.set_nonblocking(true)).map(|pipe| ChildStdin(Some(pipe)))
    }
}

impl ChildStdout {
    pub(super) fn new(stdout: std::process::ChildStdout) -> io::Result<ChildStdout> {
        register(Receiver::from(stdout), |end| end.set_nonblocking(true)).map(ChildStdout)
    }
}

impl ChildStderr {
    pub(super) fn new(stderr: std::process::ChildStderr) -> io::Result<ChildStderr> {
        register(Receiver::from(stderr), |end| end.set_nonblocking(true)).map(ChildStderr)
    }
}

impl ChildStdin {
    fn pipe(&mut self) -> io::Result<Pin<&mut Async<Sender>>> {
        match &mut self.0 {
            Some(pipe) => Ok(Pin::new(pipe)),
            None => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the child's stdin was closed",
            )),
        }
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().pipe()?.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the pipe.
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe: the child reads the end of its input.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        drop(self.get_mut().0.take());
        Poll::Ready(Ok(()))
    }
}

/// Forwards reads to the registered pipe.
macro_rules! read_pipe {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($ty)).finish()
            }
        }
    };
}

read_pipe!(ChildStdout);
read_pipe!(ChildStderr);

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin").field("closed", &self.0.is_none()).finish()
    }
}
