//! Socket addresses, and name resolution off the loop.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// What a socket can be bound or connected to: a socket address, an
/// `(ip, port)` pair, or a `"host:port"` string or `(host, port)` pair whose
/// host is a name to resolve.
///
/// Addresses that are already numeric are used as they are. Names are
/// resolved by the system resolver (`getaddrinfo`), which blocks, so it runs
/// on the blocking pool (or, without the `blocking` feature, on a thread of
/// its own) while the loop goes on.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let addrs = grove::net::lookup_host("localhost:80").await?;
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
///     let numeric = grove::net::lookup_host(("127.0.0.1", 8080)).await?;
///     assert_eq!(numeric, ["127.0.0.1:8080".parse().unwrap()]);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

mod sealed {
    /// The addresses, or the name to resolve.
    #[derive(Debug)]
    pub enum Target {
        /// One numeric address: nothing to resolve or allocate, which a
        /// `send_to` per datagram relies on.
        One(std::net::SocketAddr),
        Ready(Vec<std::net::SocketAddr>),
        Name(String, u16),
        Spec(String),
    }

    pub trait Sealed {
        fn target(&self) -> Target;
    }
}

use sealed::Sealed;
pub(super) use sealed::Target;

macro_rules! ready_addrs {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Sealed for $ty {
            fn target(&self) -> Target {
                Target::One(SocketAddr::from(*self))
            }
        }
    )*};
}

ready_addrs!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl Sealed for [SocketAddr] {
    fn target(&self) -> Target {
        Target::Ready(self.to_vec())
    }
}

impl ToSocketAddrs for str {}
impl Sealed for str {
    fn target(&self) -> Target {
        match self.parse() {
            Ok(addr) => Target::One(addr),
            Err(_) => Target::Spec(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn target(&self) -> Target {
        self.as_str().target()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn target(&self) -> Target {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Target::One(SocketAddr::new(ip, port)),
            Err(_) => Target::Name(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn target(&self) -> Target {
        (self.0.as_str(), self.1).target()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn target(&self) -> Target {
        (**self).target()
    }
}

/// Resolves `addr` to socket addresses, running the system resolver off
/// the loop when `addr` holds a name: on the runtime's blocking pool, or,
/// without the `blocking` feature, on a thread started for each lookup
/// (so a burst of lookups is a burst of threads there).
///
/// # Errors
/// What the resolver reports for a name it cannot resolve, or an
/// `InvalidInput` error for a string without a port.
///
/// # Panics
/// If there is no grove runtime on this thread and `addr` needs resolving.
///
/// # Cancel safety
/// Dropping the future abandons the lookup: one not yet started leaves the
/// blocking pool's queue, and the result of one already running is dropped
/// when it comes. (Without the `blocking` feature, its thread finishes the
/// lookup and drops the result.)
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let addrs = grove::net::lookup_host(("localhost", 443)).await?;
///     assert!(!addrs.is_empty());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn lookup_host(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    resolve(addr.target()).await
}

/// [`lookup_host`] of a target already taken apart.
pub(super) async fn resolve(target: Target) -> io::Result<Vec<SocketAddr>> {
    let addrs = match target {
        Target::One(addr) => vec![addr],
        Target::Ready(addrs) => addrs,
        Target::Name(host, port) => {
            off_the_loop(move || std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))).await?
        }
        Target::Spec(spec) => off_the_loop(move || std::net::ToSocketAddrs::to_socket_addrs(spec.as_str())).await?,
    };
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        ));
    }
    Ok(addrs)
}

/// Resolves `addr` and tries `op` on each address in turn, as a socket
/// connects or binds: the first success, or the last address's error.
pub(super) async fn try_each<T, F>(addr: impl ToSocketAddrs, mut op: impl FnMut(SocketAddr) -> F) -> io::Result<T>
where
    F: Future<Output = io::Result<T>>,
{
    let mut last_error = None;
    for addr in lookup_host(addr).await? {
        match op(addr).await {
            Ok(done) => return Ok(done),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.expect("lookup_host returns at least one address"))
}

type Lookup = io::Result<std::vec::IntoIter<SocketAddr>>;

/// Runs a blocking lookup on the runtime's blocking pool.
#[cfg(feature = "blocking")]
async fn off_the_loop(lookup: impl FnOnce() -> Lookup + Send + 'static) -> io::Result<Vec<SocketAddr>> {
    /// Kills the lookup's task if the caller gives up, so that a lookup
    /// not yet started leaves the pool's queue.
    struct KillOnDrop<T>(crate::JoinHandle<T>);
    impl<T> Drop for KillOnDrop<T> {
        fn drop(&mut self) {
            self.0.kill();
        }
    }
    let mut task = KillOnDrop(crate::spawn_blocking(move || lookup().map(Iterator::collect)));
    match (&mut task.0).await {
        Ok(result) => result,
        Err(e) => Err(io::Error::other(e)),
    }
}

/// Runs a blocking lookup on a thread of its own.
#[cfg(not(feature = "blocking"))]
async fn off_the_loop(lookup: impl FnOnce() -> Lookup + Send + 'static) -> io::Result<Vec<SocketAddr>> {
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name("grove-resolver".to_owned())
        .spawn(move || {
            let _ = tx.send(lookup().map(Iterator::collect));
        })?;
    rx.await.map_err(|_| io::Error::other("the resolver thread panicked"))?
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};

    use super::{Sealed, Target};

    /// `UdpSocket::send_to` skips the lookup, the allocation and the
    /// `getsockname` for these: one per datagram adds up.
    #[test]
    fn every_numeric_form_is_one_address_with_nothing_to_resolve() {
        let addr: SocketAddr = "127.0.0.1:53".parse().unwrap();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let targets = [
            addr.target(),
            (ip, 53).target(),
            (Ipv4Addr::LOCALHOST, 53).target(),
            "127.0.0.1:53".target(),
            ("127.0.0.1", 53).target(),
            "127.0.0.1:53".to_owned().target(),
        ];
        for target in targets {
            assert!(matches!(target, Target::One(a) if a == addr), "{target:?}");
        }
        assert!(matches!("localhost:53".target(), Target::Spec(_)));
        assert!(matches!(("localhost", 53).target(), Target::Name(..)));
    }
}
