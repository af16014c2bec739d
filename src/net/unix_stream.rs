//! [`UnixListener`] and [`UnixStream`]: stream sockets on the local
//! machine, by path or, on Linux, by abstract name.

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::socket::{self, Backoff};
use super::split::{ReadHalf, WriteHalf};
use super::stream::{forward_read, forward_write};
use crate::io::Async;

/// A Unix socket listening for connections.
///
/// Its address is a path in the file system, or on Linux an abstract name
/// (`SocketAddr::from_abstract_name`, through
/// `std::os::linux::net::SocketAddrExt`), which needs no file and vanishes
/// with the socket. A path stays behind when the listener is dropped:
/// remove it before binding again.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use grove::net::{UnixListener, UnixStream};
///
/// grove::run(async {
///     let dir = std::env::temp_dir().join(format!("grove-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("listener.sock");
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let mut client = UnixStream::connect(&path).await?;
///     let (mut conn, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     conn.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_dir_all(&dir)
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixListener {
    io: Async<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds a listener to the path `path`, which must not exist yet.
    ///
    /// # Errors
    /// `AddrInUse` if the path exists; what `bind(2)` reports otherwise.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let path = std::env::temp_dir().join(format!("grove-bind-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = grove::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_mio(mio::net::UnixListener::bind(path)?)
    }

    /// Binds a listener to `addr`: a path, or on Linux an abstract name.
    ///
    /// # Errors
    /// `AddrInUse` if the address is taken; what `bind(2)` reports
    /// otherwise.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::linux::net::SocketAddrExt;
    /// use std::os::unix::net::SocketAddr;
    ///
    /// grove::run(async {
    ///     let name = format!("grove-doc-{}", std::process::id());
    ///     let addr = SocketAddr::from_abstract_name(&name)?;
    ///     let listener = grove::net::UnixListener::bind_addr(&addr)?;
    ///     assert_eq!(listener.local_addr()?.as_abstract_name(), Some(name.as_bytes()));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::from_mio(mio::net::UnixListener::bind_addr(addr)?)
    }

    /// Registers a listener made elsewhere. It is switched to
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
    /// use std::os::linux::net::SocketAddrExt;
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(format!("grove-std-{}", std::process::id()))?;
    ///     let std_listener = std::os::unix::net::UnixListener::bind_addr(&addr)?;
    ///     let listener = grove::net::UnixListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr()?.as_abstract_name().is_some());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_mio(mio::net::UnixListener::from_std(listener))
    }

    fn from_mio(listener: mio::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// Waits for a connection and returns it with the peer's address
    /// (usually unnamed: clients rarely bind). Out of file descriptors, it
    /// pauses and tries again, as [`TcpListener::accept`](super::TcpListener::accept)
    /// does.
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
    /// use std::os::linux::net::SocketAddrExt;
    /// use grove::net::{UnixListener, UnixStream};
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(format!("grove-accept-{}", std::process::id()))?;
    ///     let listener = UnixListener::bind_addr(&addr)?;
    ///     let _client = UnixStream::connect_addr(&addr).await?;
    ///     let (_conn, peer) = listener.accept().await?;
    ///     assert!(peer.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let mut backoff = Backoff::default();
        poll_fn(|cx| {
            socket::poll_accept(cx, &mut backoff, |cx| {
                self.io
                    .poll_read_with(cx, |l| l.accept())
                    .map(|accepted| accepted.and_then(|(stream, peer)| Ok((UnixStream::from_mio(stream)?, peer))))
            })
        })
        .await
    }

    /// The address this listener is bound to.
    ///
    /// # Errors
    /// What `getsockname(2)` reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::linux::net::SocketAddrExt;
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(b"grove-local-addr-doc")?;
    ///     let listener = grove::net::UnixListener::bind_addr(&addr)?;
    ///     assert_eq!(listener.local_addr()?.as_abstract_name(), Some(&b"grove-local-addr-doc"[..]));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// A Unix stream connection, with futures-io [`AsyncRead`](futures::AsyncRead) and
/// [`AsyncWrite`](futures::AsyncWrite), like [`TcpStream`](super::TcpStream): closing it shuts
/// down the writing half, `&UnixStream` reads and writes too, and
/// [`into_split`](UnixStream::into_split) gives owned halves.
///
/// # Cancel safety
///
/// As for [`TcpStream`](super::TcpStream): a `read` or `write` future
/// dropped before it completes moved no bytes.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
///
/// grove::run(async {
///     let (mut a, mut b) = grove::net::UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     a.close().await?;
///     let mut got = Vec::new();
///     b.read_to_end(&mut got).await?;
///     assert_eq!(got, b"ping");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixStream {
    io: Async<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the listener at the path `path`.
    ///
    /// # Errors
    /// `NotFound` if nothing is there, `ConnectionRefused` if nothing
    /// listens; what `connect(2)` reports otherwise.
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
    /// grove::run(async {
    ///     let err = grove::net::UnixStream::connect("/nonexistent/grove.sock").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref();
        UnixStream::start(|| mio::net::UnixStream::connect(path)).await
    }

    /// Connects to the listener at `addr`: a path, or on Linux an abstract
    /// name.
    ///
    /// # Errors
    /// As [`connect`](UnixStream::connect).
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
    /// use std::os::linux::net::SocketAddrExt;
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(b"grove-nobody-listens-here")?;
    ///     let err = grove::net::UnixStream::connect_addr(&addr).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        UnixStream::start(|| mio::net::UnixStream::connect_addr(addr)).await
    }

    /// Starts a connection with `connect`, a non-blocking `connect(2)`, and
    /// waits until it is up. While the listener's backlog is full, Linux
    /// refuses a non-blocking Unix connect with `EAGAIN` rather than let it
    /// wait, so it is tried again after pauses until the listener makes
    /// room (see `socket::retry_refused`).
    async fn start(connect: impl Fn() -> io::Result<mio::net::UnixStream>) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(socket::retry_refused(connect).await?)?;
        // Writable once connected.
        poll_fn(|cx| {
            stream.io.poll_write_with(cx, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => s.peer_addr().map(drop).map_err(|e| {
                    if e.kind() == io::ErrorKind::NotConnected {
                        io::ErrorKind::WouldBlock.into()
                    } else {
                        e
                    }
                }),
            })
        })
        .await?;
        Ok(stream)
    }

    /// A pair of connected streams, unnamed: for talking between tasks or
    /// with a child process.
    ///
    /// # Errors
    /// What `socketpair(2)` reports (out of descriptors).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = grove::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
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
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = grove::net::UnixStream::from_std(a)?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    /// This end's address (usually unnamed for a client).
    ///
    /// # Errors
    /// What `getsockname(2)` reports.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = grove::net::UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address: the listener's, for a client.
    ///
    /// # Errors
    /// What `getpeername(2)` reports.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = grove::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the reading half, the writing half, or both.
    ///
    /// # Errors
    /// What `shutdown(2)` reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncReadExt;
    ///
    /// grove::run(async {
    ///     let (a, mut b) = grove::net::UnixStream::pair()?;
    ///     a.shutdown(std::net::Shutdown::Write)?;
    ///     let mut got = Vec::new();
    ///     assert_eq!(b.read_to_end(&mut got).await?, 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Splits the stream into halves that two tasks can own.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    ///
    /// grove::run(async {
    ///     let (a, mut b) = grove::net::UnixStream::pair()?;
    ///     let (mut reader, mut writer) = a.into_split();
    ///     writer.write_all(b"to b").await?;
    ///     let mut buf = [0; 4];
    ///     b.read_exact(&mut buf).await?;
    ///     b.write_all(b"to a").await?;
    ///     reader.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"to a");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_split(self) -> (ReadHalf<UnixStream>, WriteHalf<UnixStream>) {
        super::split::split(self)
    }
}

socket::stream_io!(UnixStream, ProvesNothing);
forward_read!(UnixStream; this => &*this);
forward_write!(UnixStream; this => &*this);

socket::fd_and_debug!(UnixListener, "local_addr" => local_addr);
socket::fd_and_debug!(UnixStream, "local_addr" => local_addr, "peer_addr" => peer_addr);
