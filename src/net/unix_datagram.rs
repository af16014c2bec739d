//! [`UnixDatagram`]: datagrams on the local machine.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::{Async, FdSource};

/// A Unix datagram socket, shaped like [`UdpSocket`](super::UdpSocket):
/// bound to a path, an abstract name (Linux) or nothing, and optionally
/// connected to one peer. Datagrams keep their boundaries and, unlike UDP
/// ones, are never lost or reordered.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let (a, b) = grove::net::UnixDatagram::pair()?;
///     a.send(b"one").await?;
///     a.send(b"two").await?;
///     let mut buf = [0; 8];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixDatagram {
    /// std's socket rather than mio's: it also sends to and connects to
    /// abstract addresses.
    io: Async<FdSource<std::os::unix::net::UnixDatagram>>,
}

impl UnixDatagram {
    /// A socket bound to the path `path`, which must not exist yet.
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
    ///     let path = std::env::temp_dir().join(format!("grove-dgram-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let socket = grove::net::UnixDatagram::bind(&path)?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to `addr`: a path, or on Linux an abstract name.
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
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(b"grove-dgram-doc")?;
    ///     let socket = grove::net::UnixDatagram::bind_addr(&addr)?;
    ///     assert_eq!(socket.local_addr()?.as_abstract_name(), Some(&b"grove-dgram-doc"[..]));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind_addr(addr)?)
    }

    /// A socket bound to nothing: it can send, and receive replies only
    /// from a peer it is connected to.
    ///
    /// # Errors
    /// What `socket(2)` reports (out of descriptors).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let socket = grove::net::UnixDatagram::unbound()?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A pair of connected, unnamed sockets.
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
    ///     let (a, _b) = grove::net::UnixDatagram::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Registers a socket made elsewhere. It is switched to non-blocking
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
    ///     let socket = grove::net::UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            io: Async::new(FdSource(socket))?,
        })
    }

    /// Sets the only peer this socket sends to and receives from: the
    /// socket at the path `path`.
    ///
    /// # Errors
    /// `NotFound` if nothing is bound there; what `connect(2)` reports
    /// otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::net::UnixDatagram;
    ///
    /// grove::run(async {
    ///     let path = std::env::temp_dir().join(format!("grove-connect-doc-{}.sock", std::process::id()));
    ///     let server = UnixDatagram::bind(&path)?;
    ///     let client = UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(server.recv(&mut buf).await?, 2);
    ///     assert!(client.connect("/nonexistent/grove.sock").is_err());
    ///     std::fs::remove_file(&path)
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.socket().connect(path)
    }

    /// Sets the only peer this socket sends to and receives from: the
    /// socket at `addr`, a path or on Linux an abstract name.
    ///
    /// # Errors
    /// What `connect(2)` reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::linux::net::SocketAddrExt;
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(b"grove-connect-addr-doc")?;
    ///     let server = grove::net::UnixDatagram::bind_addr(&addr)?;
    ///     let client = grove::net::UnixDatagram::unbound()?;
    ///     client.connect_addr(&addr)?;
    ///     client.send(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(server.recv(&mut buf).await?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn connect_addr(&self, addr: &SocketAddr) -> io::Result<()> {
        self.socket().connect_addr(addr)
    }

    fn socket(&self) -> &std::os::unix::net::UnixDatagram {
        &self.io.get_ref().0
    }

    /// Sends `buf` as one datagram to the connected peer.
    ///
    /// # Errors
    /// Without a peer, "not connected"; what `send(2)` reports otherwise.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes sends nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, _b) = grove::net::UnixDatagram::pair()?;
    ///     assert_eq!(a.send(b"hello").await?, 5);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.0.send(buf)).await
    }

    /// Waits for a datagram from the connected peer, copies it into `buf`
    /// (the rest of a datagram that does not fit is lost) and returns how
    /// many bytes it copied.
    ///
    /// # Errors
    /// What `recv(2)` reports.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes loses no datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, b) = grove::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 4];
    ///     assert_eq!(b.recv(&mut buf).await?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.0.recv(buf)).await
    }

    /// Sends `buf` as one datagram to the socket at the path `path`. While
    /// the receiver's queue is full, the send is tried again after pauses
    /// of up to 100 ms (the kernel does not say when it has room).
    ///
    /// # Errors
    /// `NotFound` if nothing is bound there; what `sendto(2)` reports
    /// otherwise.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes sends nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let dir = std::env::temp_dir();
    ///     let path = dir.join(format!("grove-send-to-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = grove::net::UnixDatagram::bind(&path)?;
    ///     let client = grove::net::UnixDatagram::unbound()?;
    ///     client.send_to(b"ping", &path).await?;
    ///     let mut buf = [0; 4];
    ///     let (n, _) = server.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"ping");
    ///     std::fs::remove_file(&path)
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.send_unconnected(|s| s.send_to(buf, path)).await
    }

    /// Sends `buf` as one datagram to `addr`: a path, or on Linux an
    /// abstract name. A full receiver is waited for as by
    /// [`send_to`](UnixDatagram::send_to).
    ///
    /// # Errors
    /// What `sendto(2)` reports.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes sends nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::linux::net::SocketAddrExt;
    ///
    /// grove::run(async {
    ///     let addr = std::os::unix::net::SocketAddr::from_abstract_name(b"grove-send-to-addr-doc")?;
    ///     let server = grove::net::UnixDatagram::bind_addr(&addr)?;
    ///     grove::net::UnixDatagram::unbound()?.send_to_addr(b"hi", &addr).await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(server.recv(&mut buf).await?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send_to_addr(&self, buf: &[u8], addr: &SocketAddr) -> io::Result<usize> {
        self.send_unconnected(|s| s.send_to_addr(buf, addr)).await
    }

    /// Sends with `send`, a non-blocking `sendto(2)`, to a socket this one
    /// may not be connected to. Readiness says nothing useful there: Linux
    /// wakes a sender when a full receiver makes room only if it is that
    /// receiver's connected peer, and each refused try raises a new
    /// writable event, so waiting on readiness would spin the loop for as
    /// long as the receiver stays full. So a refused send is tried again
    /// after pauses, as a Unix connect to a full backlog is. Each try sends
    /// whole or not at all.
    async fn send_unconnected(
        &self,
        send: impl Fn(&std::os::unix::net::UnixDatagram) -> io::Result<usize>,
    ) -> io::Result<usize> {
        super::socket::retry_refused(|| send(&self.io.get_ref().0)).await
    }

    /// Waits for a datagram, copies it into `buf` (the rest of a datagram
    /// that does not fit is lost) and returns how many bytes it copied, and
    /// its sender (unnamed if the sender did not bind).
    ///
    /// # Errors
    /// What `recvfrom(2)` reports.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes loses no datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, b) = grove::net::UnixDatagram::pair()?;
    ///     a.send(b"who").await?;
    ///     let mut buf = [0; 3];
    ///     let (_, from) = b.recv_from(&mut buf).await?;
    ///     assert!(from.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.0.recv_from(buf)).await
    }

    /// This socket's address.
    ///
    /// # Errors
    /// What `getsockname(2)` reports.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     assert!(grove::net::UnixDatagram::unbound()?.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// "Not connected" without a peer.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     assert!(grove::net::UnixDatagram::unbound()?.peer_addr().is_err());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.socket().peer_addr()
    }
}

super::socket::fd_and_debug!(UnixDatagram, "local_addr" => local_addr, "peer_addr" => peer_addr);
