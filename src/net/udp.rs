//! [`UdpSocket`]: datagrams.

use std::future::ready;
use std::io;
use std::net::SocketAddr;

use super::addr::{Target, ToSocketAddrs, resolve, try_each};
use crate::io::Async;

/// A UDP socket.
///
/// # Examples
///
/// ```
/// use grove::net::UdpSocket;
///
/// grove::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UdpSocket {
    io: Async<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr`: the first address it resolves to that
    /// binds.
    ///
    /// # Errors
    /// `AddrInUse`, a resolver error, ...: the last address's error if none
    /// binds.
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
    ///     let socket = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        try_each(addr, |addr| {
            ready(mio::net::UdpSocket::bind(addr).and_then(|socket| {
                Ok(UdpSocket {
                    io: Async::new(socket)?,
                })
            }))
        })
        .await
    }

    /// Sends `buf` as one datagram to `target`, and returns the number of
    /// bytes sent. Of the addresses a name resolves to, the first in this
    /// socket's family (IPv4 or IPv6) is used, so that `"localhost"` works
    /// from an IPv4 socket whichever family the resolver lists first.
    ///
    /// # Errors
    /// A resolver error, or what `sendto(2)` reports.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes sends nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let socket = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(socket.send_to(b"hi", socket.local_addr()?).await?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = match target.target() {
            // The usual case, once per datagram: no lookup, no allocation,
            // and no `getsockname` to learn the family.
            Target::One(addr) => addr,
            other => {
                let addrs = resolve(other).await?;
                let ipv4 = self.local_addr()?.is_ipv4();
                *addrs.iter().find(|a| a.is_ipv4() == ipv4).unwrap_or(&addrs[0])
            }
        };
        self.io.write_with(|s| s.send_to(buf, target)).await
    }

    /// Waits for a datagram, copies it into `buf` (the rest of a datagram
    /// that does not fit is lost) and returns how many bytes it copied, and
    /// the sender.
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
    ///     let socket = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.send_to(b"self", socket.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = socket.recv_from(&mut buf).await?;
    ///     assert_eq!((&buf[..n], from), (&b"self"[..], socket.local_addr()?));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Sets the only peer this socket sends to and receives from, for
    /// [`send`](UdpSocket::send) and [`recv`](UdpSocket::recv).
    ///
    /// # Errors
    /// A resolver error, or what `connect(2)` reports.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes leaves the peer unset.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let a = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        try_each(addr, |addr| ready(self.io.get_ref().connect(addr))).await
    }

    /// Sends `buf` as one datagram to the connected peer.
    ///
    /// # Errors
    /// An error without [`connect`](UdpSocket::connect) (the OS's "destination
    /// address required"); `ConnectionRefused` if an earlier datagram met a
    /// closed port.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes sends nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let a = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send(b"one").await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"one");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Waits for a datagram from the connected peer and copies it into
    /// `buf`.
    ///
    /// # Errors
    /// `ConnectionRefused` if an earlier datagram met a closed port.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes loses no datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let socket = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.connect(socket.local_addr()?).await?;
    ///     socket.send(b"loop").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(socket.recv(&mut buf).await?, 4);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// The address this socket is bound to.
    ///
    /// # Errors
    /// If the OS cannot tell.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let socket = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](UdpSocket::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let socket = grove::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.peer_addr().is_err());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

super::socket::fd_and_debug!(UdpSocket, "local_addr" => local_addr);
