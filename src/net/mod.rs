//! TCP, UDP and Unix sockets over the runtime's reactor: gevent's
//! cooperative sockets.
//!
//! Every operation tries the socket first and, when it would block, parks
//! the task until the reactor reports readiness; other tasks run meanwhile.
//! Names are resolved off the loop (see [`ToSocketAddrs`]). Errors are the
//! OS's own `io::Error`s: `ConnectionRefused`, `ConnectionReset`,
//! `BrokenPipe`, `TimedOut`, `AddrInUse`. A socket leaves the reactor when
//! it is dropped.
//!
//! # Examples
//!
//! An echo server and a client, on one thread:
//!
//! ```
//! use futures::{AsyncReadExt, AsyncWriteExt};
//! use grove::net::{TcpListener, TcpStream};
//!
//! grove::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     grove::spawn(async move {
//!         while let Ok((stream, _)) = listener.accept().await {
//!             grove::spawn(async move {
//!                 let (mut reader, mut writer) = (&stream, &stream);
//!                 futures::io::copy(&mut reader, &mut writer).await
//!             });
//!         }
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"echo me").await?;
//!     let mut buf = [0; 7];
//!     client.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"echo me");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod addr;
mod listener;
mod socket;
mod split;
mod stream;
mod udp;
mod unix_datagram;
mod unix_stream;

pub use addr::{ToSocketAddrs, lookup_host};
pub use listener::{Incoming, TcpListener};
pub use split::{ReadHalf, WriteHalf};
pub use stream::TcpStream;
pub use udp::UdpSocket;
pub use unix_datagram::UnixDatagram;
pub use unix_stream::{UnixListener, UnixStream};
