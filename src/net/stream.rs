//! [`TcpStream`]: a connection.

use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use super::addr::{ToSocketAddrs, try_each};
use super::socket;
use crate::io::Async;

/// A TCP connection, with futures-io [`AsyncRead`](futures::AsyncRead) and [`AsyncWrite`](futures::AsyncWrite).
/// Closing it ([`AsyncWriteExt::close`](futures::AsyncWriteExt::close))
/// shuts down the writing half, so the peer reads the end of the stream;
/// dropping it closes the socket.
///
/// `&TcpStream` reads and writes too, and
/// [`into_split`](TcpStream::into_split) gives halves that two tasks can
/// own.
///
/// # Cancel safety
///
/// A `read` or `write` future (from `AsyncReadExt`/`AsyncWriteExt`)
/// dropped before it completes moved no bytes: data that arrives
/// afterwards goes to the next read, and a write that waited for room wrote
/// nothing. Futures made of several calls, such as `read_exact` and
/// `write_all`, may have moved part of their data when dropped, as on any
/// futures-io stream. The same holds for `&TcpStream` and the halves of
/// [`into_split`](TcpStream::into_split).
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use grove::net::{TcpListener, TcpStream};
///
/// grove::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     client.close().await?;
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await?;
///     assert_eq!(got, b"ping");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpStream {
    io: Async<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn.
    /// Names (`"example.com:80"`) are resolved off the loop.
    ///
    /// # Errors
    /// `ConnectionRefused`, `NetworkUnreachable`, a resolver error, ...:
    /// the last address's error if none connects.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Cancel safety
    /// Dropping the future abandons the attempt and closes its socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    ///
    /// grove::run(async {
    ///     // Nothing listens on the port of a listener that was dropped.
    ///     let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    ///     let err = grove::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
    ///     assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        try_each(addr, TcpStream::connect_one).await
    }

    /// Like [`connect`](TcpStream::connect), giving up after `timeout`
    /// (resolution included).
    ///
    /// # Errors
    /// `TimedOut` if `timeout` elapses first; otherwise those of `connect`.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Cancel safety
    /// As for [`connect`](TcpStream::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = grove::net::TcpStream::connect_timeout(listener.local_addr()?, Duration::from_secs(5)).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect_timeout(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<TcpStream> {
        crate::timeout(timeout, TcpStream::connect(addr)).await?
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        // The socket turns writable once the handshake ends, either way.
        poll_fn(|cx| {
            stream.io.poll_write_with(cx, |s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    // Not connected yet: a spurious wake-up.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => Err(io::ErrorKind::WouldBlock.into()),
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    pub(super) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new(stream)?,
        })
    }

    /// Registers a connection made elsewhere. It is switched to
    /// non-blocking mode.
    ///
    /// # Errors
    /// If it cannot be made non-blocking or registered.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = grove::net::TcpStream::from_std(std_stream)?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Turns Nagle's algorithm off (`true`) or on: with it off, small
    /// writes leave at once instead of waiting to be coalesced.
    ///
    /// # Errors
    /// If the OS refuses the option.
    ///
    /// # Examples
    ///
    /// ```
    /// # grove::run(async {
    /// # let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off; see
    /// [`set_nodelay`](TcpStream::set_nodelay).
    ///
    /// # Errors
    /// If the OS cannot tell.
    ///
    /// # Examples
    ///
    /// ```
    /// # grove::run(async {
    /// # let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(!stream.nodelay()?);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// The address of the other end.
    ///
    /// # Errors
    /// `NotConnected` once the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # grove::run(async {
    /// let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The address of this end.
    ///
    /// # Errors
    /// If the OS cannot tell.
    ///
    /// # Examples
    ///
    /// ```
    /// # grove::run(async {
    /// # let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Shuts down the reading half, the writing half, or both.
    ///
    /// # Errors
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncReadExt;
    ///
    /// # grove::run(async {
    /// let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.shutdown(std::net::Shutdown::Write)?;
    /// assert_eq!(server.read(&mut [0; 8]).await?, 0);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Splits the stream into a reading and a writing half that two tasks
    /// can own. The socket closes when both are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # grove::run(async {
    /// let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (mut reader, mut writer) = client.into_split();
    /// let echo = grove::spawn(async move {
    ///     server.write_all(b"back").await?;
    ///     server.close().await
    /// });
    /// writer.write_all(b"out").await?;
    /// let mut got = String::new();
    /// reader.read_to_string(&mut got).await?;
    /// assert_eq!(got, "back");
    /// echo.await.unwrap()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_split(self) -> (super::ReadHalf, super::WriteHalf) {
        super::split::split(self)
    }
}

socket::stream_io!(TcpStream, Drains);

/// Forwards reads to the impl for `&Stream`, so that every way of using a
/// stream shares one implementation.
macro_rules! forward_read {
    ($ty:ty $(, <$($gen:ident),*> where [$($bound:tt)+])?; $inner:ident => $get:expr) => {
        impl $(<$($gen),*>)? futures::io::AsyncRead for $ty $(where $($bound)+)? {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $inner = self.get_mut();
                std::pin::Pin::new(&mut $get).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $inner = self.get_mut();
                std::pin::Pin::new(&mut $get).poll_read_vectored(cx, bufs)
            }
        }
    };
}

/// Forwards writes to the impl for `&Stream`.
macro_rules! forward_write {
    ($ty:ty $(, <$($gen:ident),*> where [$($bound:tt)+])?; $inner:ident => $get:expr) => {
        impl $(<$($gen),*>)? futures::io::AsyncWrite for $ty $(where $($bound)+)? {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $inner = self.get_mut();
                std::pin::Pin::new(&mut $get).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $inner = self.get_mut();
                std::pin::Pin::new(&mut $get).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $inner = self.get_mut();
                std::pin::Pin::new(&mut $get).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $inner = self.get_mut();
                std::pin::Pin::new(&mut $get).poll_close(cx)
            }
        }
    };
}
pub(super) use {forward_read, forward_write};

forward_read!(TcpStream; this => &*this);
forward_write!(TcpStream; this => &*this);

socket::fd_and_debug!(TcpStream, "local_addr" => local_addr, "peer_addr" => peer_addr);
