//! The owned halves of a [`TcpStream`] or a
//! [`UnixStream`](super::UnixStream), for a reader task and a writer task.

use std::fmt;
use std::rc::Rc;

use super::stream::{TcpStream, forward_read, forward_write};

pub(super) fn split<S>(stream: S) -> (ReadHalf<S>, WriteHalf<S>) {
    let stream = Rc::new(stream);
    (ReadHalf(stream.clone()), WriteHalf(stream))
}

/// The reading half of a [`TcpStream`], from
/// [`into_split`](TcpStream::into_split), or of a
/// [`UnixStream`](super::UnixStream).
///
/// # Cancel safety
///
/// As for [`TcpStream`]: a `read` dropped before it completes took no bytes.
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
/// let (mut reader, _writer): (grove::net::ReadHalf, _) = client.into_split();
/// server.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// reader.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ReadHalf<S = TcpStream>(Rc<S>);

/// The writing half of a [`TcpStream`], from
/// [`into_split`](TcpStream::into_split), or of a
/// [`UnixStream`](super::UnixStream). Closing it shuts down the
/// connection's writing half.
///
/// # Cancel safety
///
/// As for [`TcpStream`]: a `write` dropped before it completes wrote
/// nothing.
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
/// let (_reader, mut writer): (_, grove::net::WriteHalf) = client.into_split();
/// writer.write_all(b"bye").await?;
/// writer.close().await?;
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"bye");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct WriteHalf<S = TcpStream>(Rc<S>);

impl<S> ReadHalf<S> {
    /// The stream both halves share, for its addresses and options.
    ///
    /// # Examples
    ///
    /// ```
    /// # grove::run(async {
    /// let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (reader, _writer) = client.into_split();
    /// assert_eq!(reader.stream().peer_addr()?, listener.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stream(&self) -> &S {
        &self.0
    }
}

impl<S> WriteHalf<S> {
    /// The stream both halves share, for its addresses and options.
    ///
    /// # Examples
    ///
    /// ```
    /// # grove::run(async {
    /// let listener = grove::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = grove::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_reader, writer) = client.into_split();
    /// writer.stream().set_nodelay(true)?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stream(&self) -> &S {
        &self.0
    }
}

forward_read!(ReadHalf<S>, <S> where [for<'a> &'a S: futures::io::AsyncRead]; this => &*this.0);
forward_write!(WriteHalf<S>, <S> where [for<'a> &'a S: futures::io::AsyncWrite]; this => &*this.0);

impl<S: fmt::Debug> fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReadHalf").field(&*self.0).finish()
    }
}

impl<S: fmt::Debug> fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WriteHalf").field(&*self.0).finish()
    }
}
