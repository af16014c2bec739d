//! An I/O source registered with the reactor.

use std::fmt;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::io::{AsyncRead, AsyncWrite};
use mio::event::Source;

use crate::runtime::RuntimeId;
use crate::runtime::context;
use crate::runtime::coop;
use crate::runtime::core::Core;
use crate::runtime::reactor::{Direction, IoKey};
use crate::runtime::shared::Remote;

/// A non-blocking I/O source registered with the current runtime's reactor.
///
/// Operations are tried directly; when one would block, the task waits for
/// the reactor to report readiness and tries again. `Async<S>` implements
/// futures' `AsyncRead`/`AsyncWrite` when `&S` implements `Read`/`Write`, as
/// mio's streams and pipes do. The source is deregistered when the `Async`
/// is dropped.
///
/// One task may wait to read and another to write at the same time. Tasks
/// waiting the same way are all woken by readiness, and each tries again.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use grove::io::Async;
///
/// grove::run(async {
///     let (a, b) = mio::net::UnixStream::pair()?;
///     let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
///     let writer = grove::spawn(async move { a.write_all(b"ping").await });
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     writer.await.unwrap()
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Async<S: Source> {
    source: Option<S>,
    key: IoKey,
    runtime: RuntimeId,
}

impl<S: Source> Async<S> {
    /// Registers `source`, which must be in non-blocking mode (mio's types
    /// always are), with the current runtime's reactor.
    ///
    /// # Errors
    /// If the reactor refuses the source (`epoll_ctl` fails).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (tx, _rx) = mio::unix::pipe::new()?;
    ///     let _tx = grove::io::Async::new(tx)?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn new(mut source: S) -> io::Result<Async<S>> {
        context::with_core("grove::io::Async::new", |core| {
            let key = core.reactor().register(&mut source)?;
            Ok(Async {
                source: Some(source),
                key,
                runtime: core.id(),
            })
        })
    }

    /// The source.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair()?;
    ///     let a = grove::io::Async::new(a)?;
    ///     assert!(a.get_ref().peer_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &S {
        self.source.as_ref().expect("the source is only taken by into_inner")
    }

    /// The source, mutably. Reading or writing through it directly bypasses
    /// the readiness tracking; prefer [`read_with`](Async::read_with).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair()?;
    ///     let mut a = grove::io::Async::new(a)?;
    ///     let _stream: &mut mio::net::UnixStream = a.get_mut();
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        self.source.as_mut().expect("the source is only taken by into_inner")
    }

    /// Deregisters the source and gives it back. Away from its runtime (on
    /// another thread), the runtime lets go of its record of the source at
    /// its next turn.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair()?;
    ///     let a: mio::net::UnixStream = grove::io::Async::new(a)?.into_inner();
    ///     # drop(a);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(mut self) -> S {
        self.deregister();
        self.source.take().expect("the source is only taken by into_inner")
    }

    /// Takes the source out of the reactor. Where its runtime is not the
    /// current one (the `Async` was sent to another thread, or outlived
    /// `block_on`), it is taken out of the runtime's poller from here, and
    /// the runtime frees its slot at its next turn.
    fn deregister(&mut self) {
        let (runtime, key) = (self.runtime, self.key);
        let Some(source) = self.source.as_mut() else { return };
        let wakers = context::with_current(|core| core.is(runtime).then(|| core.reactor().deregister(key, source)));
        match wakers {
            Some(Some(wakers)) => drop(wakers),
            _ => Remote::find(runtime).deregister(key, source),
        }
    }

    /// Runs `op` on the core of the runtime this source belongs to.
    fn with_reactor<R>(&self, op: impl FnOnce(&Core) -> R) -> io::Result<R> {
        let runtime = self.runtime;
        context::with_current(|core| core.is(runtime).then(|| op(core)))
            .flatten()
            .ok_or_else(|| io::Error::other("a grove I/O source was used outside the runtime it was registered with"))
    }

    /// Forgets the read readiness after a read that returned less than it
    /// asked for: the socket's buffer is empty, and more data will raise a
    /// new event, so the usual extra `read` that fails with `WouldBlock`
    /// can be skipped. Only for sources whose reads drain the whole buffer
    /// up to the size asked, as stream sockets' do.
    pub(crate) fn read_drained(&self) {
        // Outside its runtime, the next operation reports the error.
        let _ = self.with_reactor(|core| core.reactor().clear_drained(self.key));
    }

    /// Tries `op` until it does not return `WouldBlock`, waiting for the
    /// reactor in between. See [`read_with`](Async::read_with).
    fn poll_with<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // Counts against the task's budget: a socket that is always ready
        // (a fast peer) must not let one task hold the thread.
        std::task::ready!(coop::poll_budget(cx));
        loop {
            if self
                .with_reactor(|core| core.reactor().poll_ready(self.key, dir, cx))?
                .is_pending()
            {
                return Poll::Pending;
            }
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Readiness is gone. Clearing it here, in the same poll
                    // as the next `poll_ready` stores the waker, is what
                    // keeps an edge from being lost (see `reactor.rs`).
                    self.with_reactor(|core| core.reactor().clear_ready(self.key, dir))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => {
                    coop::spend();
                    return Poll::Ready(result);
                }
            }
        }
    }

    /// Polls a read-side operation `op` (a non-blocking `read`, `accept`,
    /// `recv_from`...).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// grove::run(async {
    ///     let (a, b) = mio::net::UnixStream::pair()?;
    ///     let b = grove::io::Async::new(b)?;
    ///     std::io::Write::write_all(&mut &a, b"x")?;
    ///     let mut buf = [0; 1];
    ///     let n = std::future::poll_fn(|cx| b.poll_read_with(cx, |mut s| s.read(&mut buf))).await?;
    ///     assert_eq!(n, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_read_with<R>(&self, cx: &mut Context<'_>, op: impl FnMut(&S) -> io::Result<R>) -> Poll<io::Result<R>> {
        self.poll_with(cx, Direction::Read, op)
    }

    /// Polls a write-side operation `op` (a non-blocking `write`, `send_to`,
    /// a connect's completion...).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// grove::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair()?;
    ///     let a = grove::io::Async::new(a)?;
    ///     let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |mut s| s.write(b"hi"))).await?;
    ///     assert_eq!(n, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_write_with<R>(&self, cx: &mut Context<'_>, op: impl FnMut(&S) -> io::Result<R>) -> Poll<io::Result<R>> {
        self.poll_with(cx, Direction::Write, op)
    }

    /// Runs a read-side operation `op` until it does not return
    /// `WouldBlock`, waiting for readiness in between.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// grove::run(async {
    ///     let (a, b) = mio::net::UnixStream::pair()?;
    ///     let b = grove::io::Async::new(b)?;
    ///     (&a).write_all(b"hey")?;
    ///     let mut buf = [0; 3];
    ///     b.read_with(|mut s| s.read(&mut buf)).await?;
    ///     assert_eq!(&buf, b"hey");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe if `op` is: each call of `op` either completes or returns
    /// `WouldBlock` having done nothing, so dropping the future between calls
    /// loses nothing.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// Runs a write-side operation `op` until it does not return
    /// `WouldBlock`, waiting for readiness in between.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// grove::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair()?;
    ///     let a = grove::io::Async::new(a)?;
    ///     a.write_with(|mut s| s.write(b"ok")).await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe if `op` is, as for [`read_with`](Async::read_with).
    pub async fn write_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }
}

impl<S: Source> Drop for Async<S> {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl<S: Source + fmt::Debug> fmt::Debug for Async<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("source", &self.source).finish()
    }
}

impl<S: Source> AsyncRead for Async<S>
where
    for<'a> &'a S: Read,
{
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut s| s.read(buf))
    }
}

impl<S: Source> AsyncWrite for Async<S>
where
    for<'a> &'a S: Write,
{
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut s| s.write(buf))
    }

    /// Flushing a socket or a pipe has nothing to wait for, so the flush is
    /// tried at once, even while the source is not writable (a full send
    /// buffer); only a flush that would block waits for room.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(coop::poll_budget(cx));
        let mut source = Async::get_ref(&self);
        match source.flush() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.poll_write_with(cx, |mut s| s.flush()),
            done => {
                coop::spend();
                Poll::Ready(done)
            }
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
