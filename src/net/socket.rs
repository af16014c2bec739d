//! What TCP and Unix sockets share: reads and writes of a connected stream
//! socket, and an `accept` that rides out a shortage of descriptors.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use mio::event::Source;
use socket2::SockRef;

use crate::io::Async;
use crate::runtime::coop;
use crate::time::Sleep;

/// Runs `attempt`, a non-blocking call that Linux refuses with `EAGAIN`
/// without any readiness event to come when it can succeed (a Unix connect
/// to a full backlog, a datagram to a full receiver not connected to this
/// socket), until it does not: after each refusal it pauses, 1 ms first,
/// doubling up to 100 ms. A call that goes through counts against the
/// task's budget, as any I/O does. Each refused try did nothing, so
/// dropping the future between tries loses nothing.
pub(super) async fn retry_refused<T>(mut attempt: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let mut pause = Duration::from_millis(1);
    loop {
        std::future::poll_fn(coop::poll_budget).await;
        match attempt() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            done => {
                coop::spend();
                return done;
            }
        }
        crate::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// The first pause of `accept` when the process is out of file descriptors,
/// and the longest, as the pause doubles.
const FIRST_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// Whether a short read proves that a stream socket's receive buffer is
/// empty. On TCP it does: a read copies what is queued, up to the size
/// asked. On a Unix stream it does not: a read stops after a message that
/// carried descriptors (or, under `SO_PASSCRED`, at a change of writer),
/// with more queued behind it and no new edge to come.
#[derive(Clone, Copy)]
pub(super) enum ShortRead {
    Drains,
    ProvesNothing,
}

/// A read from a stream socket. Where a short read drains the socket (see
/// [`ShortRead`]), one that returned data but less than it asked for drops
/// the socket's readiness (see `Async::read_drained`).
pub(super) fn poll_read<S>(
    io: &Async<S>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
    short: ShortRead,
) -> Poll<io::Result<usize>>
where
    S: Source,
    for<'a> &'a S: Read,
{
    let asked = buf.len();
    note_short_read(io, io.poll_read_with(cx, |mut s| s.read(buf)), short, Some(asked))
}

/// [`poll_read`] into several buffers.
pub(super) fn poll_read_vectored<S>(
    io: &Async<S>,
    cx: &mut Context<'_>,
    bufs: &mut [io::IoSliceMut<'_>],
    short: ShortRead,
) -> Poll<io::Result<usize>>
where
    S: Source,
    for<'a> &'a S: Read,
{
    // The kernel takes at most `IOV_MAX` buffers a call (std passes it no
    // more), so past that a short read says nothing about what is left.
    let asked = (bufs.len() <= IOV_MAX).then(|| bufs.iter().map(|b| b.len()).sum());
    note_short_read(io, io.poll_read_with(cx, |mut s| s.read_vectored(bufs)), short, asked)
}

/// The most buffers one `readv`, `writev` or `sendmsg` takes.
const IOV_MAX: usize = libc::UIO_MAXIOV as usize;

fn note_short_read<S: Source>(
    io: &Async<S>,
    read: Poll<io::Result<usize>>,
    short: ShortRead,
    asked: Option<usize>,
) -> Poll<io::Result<usize>> {
    if let (Poll::Ready(Ok(n)), ShortRead::Drains, Some(asked)) = (&read, short, asked) {
        if *n > 0 && *n < asked {
            io.read_drained();
        }
    }
    read
}

/// A write to a stream socket. std sends it with `MSG_NOSIGNAL`, so a
/// write to a gone peer is an error, not SIGPIPE (which kills a process
/// that keeps its default action: a host embedding grove, say).
pub(super) fn poll_write<S>(io: &Async<S>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
where
    S: Source,
    for<'a> &'a S: Write,
{
    io.poll_write_with(cx, |mut s| s.write(buf))
}

/// [`poll_write`] from several buffers, at most [`IOV_MAX`] of them in one
/// call (the write is then short), as `writev` takes. std's
/// `write_vectored` is a bare `writev`, which raises SIGPIPE, so this
/// sends with the flag itself.
pub(super) fn poll_write_vectored<S>(
    io: &Async<S>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
) -> Poll<io::Result<usize>>
where
    S: Source + AsFd,
{
    let bufs = &bufs[..bufs.len().min(IOV_MAX)];
    io.poll_write_with(cx, |s| {
        SockRef::from(s).send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
    })
}

/// `close` on a stream socket: shuts down the writing half, so that the
/// peer reads the end of the stream; already disconnected is fine.
pub(super) fn close(shutdown: impl FnOnce(Shutdown) -> io::Result<()>) -> Poll<io::Result<()>> {
    Poll::Ready(match shutdown(Shutdown::Write) {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        other => other,
    })
}

/// futures-io for `&$ty`, a connected stream socket with an `io:
/// Async<_>` field and a `shutdown` method: reads and writes go straight
/// to the kernel, with nothing to flush, and closing shuts down the writing
/// half. `$short` is the type's [`ShortRead`].
macro_rules! stream_io {
    ($ty:ident, $short:ident) => {
        impl futures::io::AsyncRead for &$ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::socket::poll_read(&self.io, cx, buf, $crate::net::socket::ShortRead::$short)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::socket::poll_read_vectored(&self.io, cx, bufs, $crate::net::socket::ShortRead::$short)
            }
        }

        impl futures::io::AsyncWrite for &$ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::socket::poll_write(&self.io, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::socket::poll_write_vectored(&self.io, cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                $crate::net::socket::close(|how| self.shutdown(how))
            }
        }
    };
}
pub(super) use stream_io;

/// `AsRawFd`, `AsFd` and a `Debug` that shows the given addresses, for a
/// socket type with an `io: Async<_>` field.
macro_rules! fd_and_debug {
    ($ty:ident, $($field:literal => $addr:ident),*) => {
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref())
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(self.io.get_ref())
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field($field, &self.$addr().ok()))*
                    .finish()
            }
        }
    };
}
pub(super) use fd_and_debug;

/// Whether `accept` failed for want of descriptors or memory, which other
/// connections closing will free.
fn out_of_resources(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::ENOSPC)
    )
}

/// The pause of an `accept` that ran out of descriptors.
#[derive(Default)]
pub(super) struct Backoff {
    delay: Option<Duration>,
    pause: Option<Sleep>,
}

/// Polls `accept` until it gives a connection or a real error: out of
/// descriptors, it pauses (5 ms, doubling up to 500 ms) and tries again; a
/// connection the peer aborted before it was accepted is skipped.
pub(super) fn poll_accept<T>(
    cx: &mut Context<'_>,
    backoff: &mut Backoff,
    mut accept: impl FnMut(&mut Context<'_>) -> Poll<io::Result<T>>,
) -> Poll<io::Result<T>> {
    loop {
        if let Some(pause) = &mut backoff.pause {
            std::task::ready!(pause.poll_unpin(cx));
            backoff.pause = None;
        }
        match std::task::ready!(accept(cx)) {
            Ok(accepted) => {
                backoff.delay = None;
                return Poll::Ready(Ok(accepted));
            }
            Err(e) if out_of_resources(&e) => {
                let delay = backoff.delay.map_or(FIRST_BACKOFF, |d| (d * 2).min(MAX_BACKOFF));
                backoff.delay = Some(delay);
                backoff.pause = Some(crate::sleep(delay));
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
}
