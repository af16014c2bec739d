//! [`TcpListener`]: accepting connections.

use std::fmt;
use std::future::{poll_fn, ready};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use socket2::{Domain, Protocol, Socket, Type};

use super::addr::{ToSocketAddrs, try_each};
use super::socket::{self, Backoff};
use super::stream::TcpStream;
use crate::io::Async;

/// Connections the kernel queues for `accept` (the kernel caps it at
/// `net.core.somaxconn`).
const BACKLOG: i32 = 1024;

/// A TCP socket listening for connections.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use grove::net::{TcpListener, TcpStream};
///
/// grove::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = grove::spawn(async move {
///         let mut stream = TcpStream::connect(addr).await?;
///         stream.write_all(b"hello").await
///     });
///     let (mut conn, _) = listener.accept().await?;
///     let mut got = String::new();
///     conn.read_to_string(&mut got).await?;
///     assert_eq!(got, "hello");
///     client.await.unwrap()
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    io: Async<mio::net::TcpListener>,
}

impl TcpListener {
    /// Listens on `addr`, with `SO_REUSEADDR` (a restarted server can bind
    /// at once) and a backlog of 1,024. If `addr` resolves to several
    /// addresses, the first that binds is used.
    ///
    /// # Errors
    /// `AddrInUse`, `PermissionDenied`, a resolver error, ...: the last
    /// address's error if none binds.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes binds nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        Self::bind_with(addr, false).await
    }

    /// Like [`bind`](TcpListener::bind), with `SO_REUSEPORT` too: several
    /// listeners, typically one per runtime on its own thread, share the
    /// port, and the kernel spreads connections among them.
    ///
    /// # Errors
    /// As for [`bind`](TcpListener::bind).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes binds nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::net::TcpListener;
    ///
    /// grove::run(async {
    ///     let first = TcpListener::bind_reuseport("127.0.0.1:0").await?;
    ///     let second = TcpListener::bind_reuseport(first.local_addr()?).await?;
    ///     assert_eq!(first.local_addr()?, second.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind_reuseport(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        Self::bind_with(addr, true).await
    }

    async fn bind_with(addr: impl ToSocketAddrs, reuse_port: bool) -> io::Result<TcpListener> {
        try_each(addr, |addr| {
            ready(listen(addr, reuse_port).and_then(TcpListener::from_std))
        })
        .await
    }

    /// Registers a listener made elsewhere, for example with socket2 and
    /// options this type does not offer. It is switched to non-blocking
    /// mode.
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
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let listener = grove::net::TcpListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Async::new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// When the process or the system is out of file descriptors (or
    /// memory, for the socket or its registration with the poller),
    /// `accept` does not fail and does not spin: it pauses and tries again,
    /// from 5 ms doubling up to 500 ms, until a descriptor is free; a
    /// connection accepted but not registered is closed. A connection the
    /// peer aborted before it was accepted is skipped.
    ///
    /// # Errors
    /// Other errors of `accept(2)`.
    ///
    /// # Cancel safety
    /// Dropping the future loses no connection: one not yet accepted stays
    /// in the kernel's queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::net::{TcpListener, TcpStream};
    ///
    /// grove::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (conn, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     assert_eq!(conn.peer_addr()?, client.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let mut backoff = Backoff::default();
        poll_fn(|cx| self.poll_accept(cx, &mut backoff)).await
    }

    /// The connections, as a stream that never ends; see
    /// [`accept`](TcpListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// use grove::net::{TcpListener, TcpStream};
    ///
    /// grove::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let clients = grove::spawn(async move {
    ///         for _ in 0..3 {
    ///             TcpStream::connect(addr).await.unwrap();
    ///         }
    ///     });
    ///     let accepted: Vec<_> = listener.incoming().take(3).collect().await;
    ///     assert!(accepted.iter().all(Result::is_ok));
    ///     clients.await.unwrap();
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming {
            listener: self,
            backoff: Backoff::default(),
        }
    }

    fn poll_accept(&self, cx: &mut Context<'_>, backoff: &mut Backoff) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        socket::poll_accept(cx, backoff, |cx| {
            self.io
                .poll_read_with(cx, |l| l.accept())
                .map(|accepted| accepted.and_then(|(stream, peer)| Ok((TcpStream::from_mio(stream)?, peer))))
        })
    }

    /// The address this listener is bound to.
    ///
    /// # Errors
    /// If the OS cannot tell (it always can for a bound socket).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// Creates, binds and listens, with the options of [`TcpListener::bind`].
fn listen(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

socket::fd_and_debug!(TcpListener, "local_addr" => local_addr);

/// The stream of [`TcpListener::incoming`].
///
/// # Cancel safety
///
/// As [`accept`](TcpListener::accept): a `next()` dropped before it
/// completes accepted nothing, and the connection waits in the backlog for
/// the next accept.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut incoming: grove::net::Incoming<'_> = listener.incoming();
///     let _client = grove::net::TcpStream::connect(listener.local_addr()?).await?;
///     assert!(incoming.next().await.unwrap().is_ok());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Incoming<'a> {
    listener: &'a TcpListener,
    backoff: Backoff,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.listener
            .poll_accept(cx, &mut this.backoff)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming").field("listener", self.listener).finish()
    }
}
