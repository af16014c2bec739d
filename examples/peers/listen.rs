//! The peers' listening socket, with the backlog grove's listeners have
//! (1,024). `std`'s `TcpListener::bind`, and mio's (so tokio's), listen with
//! 128: a burst of connects that outruns the accepts then overflows the
//! backlog, and the SYNs dropped are retried only after a second or more.
//! The C10k bench saw that on tokio's server before its peers used this
//! (`nstat`: 756 and 957 listen overflows in two runs of 2,000 connects).

use std::io;
use std::net::{TcpListener, ToSocketAddrs};

use socket2::{Domain, Socket, Type};

/// The backlog of every server in the benches.
const BACKLOG: i32 = 1024;

/// A blocking listener on the first address `addr` resolves to, with
/// `SO_REUSEADDR` and [`BACKLOG`]. A tokio peer makes it non-blocking and
/// hands it to `tokio::net::TcpListener::from_std`.
pub fn listen(addr: &str) -> io::Result<TcpListener> {
    let addr = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{addr}: no address")))?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}
