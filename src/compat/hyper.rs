//! hyper 1.x on grove: an executor, a timer and an I/O adapter, behind the
//! cargo feature `hyper`.
//!
//! # Examples
//!
//! A `!Send` service answering one HTTP/1.1 request on grove:
//!
//! ```
//! use std::convert::Infallible;
//! use std::rc::Rc;
//!
//! use grove::compat::hyper::HyperIo;
//! use grove::net::{TcpListener, TcpStream};
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::body::Bytes;
//!
//! grove::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let greeting = Rc::new("hello"); // not Send, and no LocalSet needed
//!     let server = grove::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let service = hyper::service::service_fn(move |_request| {
//!             let greeting = greeting.clone();
//!             async move { Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(*greeting)))) }
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .serve_connection(HyperIo::new(stream), service)
//!             .await
//!             .map_err(std::io::Error::other)
//!     });
//!     let stream = TcpStream::connect(addr).await?;
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
//!         .await
//!         .map_err(std::io::Error::other)?;
//!     let driver = grove::spawn(connection);
//!     let request = hyper::Request::get("/")
//!         .header("host", "localhost")
//!         .body(Empty::<Bytes>::new())
//!         .unwrap();
//!     let response = sender.send_request(request).await.map_err(std::io::Error::other)?;
//!     let body = response.into_body().collect().await.map_err(std::io::Error::other)?;
//!     assert_eq!(body.to_bytes(), "hello");
//!     drop(sender);
//!     driver.await.unwrap().map_err(std::io::Error::other)?;
//!     server.await.unwrap()?;
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use futures::io::{AsyncRead, AsyncWrite};
use pin_project_lite::pin_project;

/// hyper's [`Executor`](hyper::rt::Executor): runs hyper's background
/// futures (connection drivers, HTTP/2 streams) as grove tasks on the
/// current thread's runtime. `Send` and `!Send` futures alike: with it,
/// hyper can serve `!Send` services with no `LocalSet`.
///
/// # Panics
/// `execute` panics if there is no grove runtime on the calling thread.
///
/// # Examples
///
/// ```
/// use grove::compat::hyper::GroveExecutor;
/// use hyper::rt::Executor;
///
/// grove::run(async {
///     let (tx, rx) = futures::channel::oneshot::channel();
///     let local = std::rc::Rc::new("not Send");
///     GroveExecutor.execute(async move {
///         tx.send(*local).unwrap();
///     });
///     assert_eq!(rx.await.unwrap(), "not Send");
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GroveExecutor;

impl<F> hyper::rt::Executor<F> for GroveExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn execute(&self, future: F) {
        drop(crate::spawn(future));
    }
}

/// hyper's [`Timer`](hyper::rt::Timer), on grove's timers. Its sleeps are
/// grove's [`Sleep`](crate::time::Sleep), which is `Send + Sync` as hyper
/// requires; they arm their timer on the runtime that first polls them.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use grove::compat::hyper::GroveTimer;
/// use hyper::rt::Timer;
///
/// grove::run(async {
///     GroveTimer.sleep(Duration::from_millis(1)).await;
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GroveTimer;

impl hyper::rt::Timer for GroveTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(crate::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(crate::sleep_until(deadline))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<crate::time::Sleep>() {
            Some(ours) => ours.get_mut().reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }

    /// The runtime's clock, so that hyper's deadlines agree with a paused
    /// one.
    fn now(&self) -> Instant {
        crate::time::now()
    }
}

impl hyper::rt::Sleep for crate::time::Sleep {}

pin_project! {
    /// Adapts any futures-io stream, a [`TcpStream`](crate::net::TcpStream)
    /// for one, to hyper's [`Read`](hyper::rt::Read) and
    /// [`Write`](hyper::rt::Write).
    ///
    /// # Cancel safety
    ///
    /// hyper drives it by polling, not through futures: a read or write
    /// poll that returns `Pending` moved no bytes. A read poll fills up to
    /// 64 KiB of hyper's buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::compat::hyper::HyperIo;
    /// use grove::net::{TcpListener, TcpStream};
    ///
    /// grove::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let io = HyperIo::new(stream);
    ///     assert!(io.get_ref().peer_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[derive(Debug)]
    pub struct HyperIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> HyperIo<T> {
    /// Wraps `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// let io = grove::compat::hyper::HyperIo::new(futures::io::Cursor::new(vec![1, 2]));
    /// assert_eq!(io.into_inner().into_inner(), [1, 2]);
    /// ```
    pub fn new(inner: T) -> HyperIo<T> {
        HyperIo { inner }
    }

    /// The wrapped stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let io = grove::compat::hyper::HyperIo::new(futures::io::Cursor::new(vec![1]));
    /// assert_eq!(io.get_ref().position(), 0);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut io = grove::compat::hyper::HyperIo::new(futures::io::Cursor::new(vec![1]));
    /// io.get_mut().set_position(1);
    /// assert_eq!(io.get_ref().position(), 1);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let io = grove::compat::hyper::HyperIo::new(futures::io::Cursor::new(vec![3]));
    /// assert_eq!(io.into_inner().into_inner(), [3]);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// The most one read asks for.
const MAX_READ: usize = 64 * 1024;

thread_local! {
    /// Where reads land before they are copied into hyper's buffer, which
    /// is uninitialized memory that futures-io cannot read into. One
    /// buffer per thread, zeroed once, serves every connection on it.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0; MAX_READ].into_boxed_slice());
}

impl<T: AsyncRead> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // As much as hyper has room for: through a small buffer, a 35 KB
        // page took 2.8 reads where tokio's adapter, which reads into
        // hyper's buffer directly, takes 1.2 (strace of benches/fetch.sh's
        // http run), and each read is a syscall.
        let room = buf.remaining().min(MAX_READ);
        let inner = self.project().inner;
        let read = |scratch: &mut [u8]| {
            let n = ready!(inner.poll_read(cx, &mut scratch[..room]))?;
            buf.put_slice(&scratch[..n]);
            Poll::Ready(Ok(()))
        };
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => read(&mut scratch),
            // A read within a read (a connection tunnelled through
            // another): that one gets a buffer of its own.
            Err(_) => read(&mut vec![0; room]),
        })
    }
}

impl<T: AsyncWrite> hyper::rt::Write for HyperIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::mem::MaybeUninit;

    use super::*;

    #[test]
    fn reads_fill_hyper_s_buffer_with_exactly_what_was_read() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut io = HyperIo::new(futures::io::Cursor::new(data.clone()));
        let mut storage = vec![MaybeUninit::uninit(); 80_000];
        let mut buf = hyper::rt::ReadBuf::uninit(&mut storage);
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        for _ in 0..2 {
            let read = hyper::rt::Read::poll_read(Pin::new(&mut io), &mut cx, buf.unfilled());
            assert!(matches!(read, Poll::Ready(Ok(()))));
        }
        // One read is capped at 64 KiB; the second fills the rest.
        assert_eq!(buf.filled(), &data[..80_000]);
        let read = hyper::rt::Read::poll_read(Pin::new(&mut io), &mut cx, buf.unfilled());
        assert!(matches!(read, Poll::Ready(Ok(()))), "a full buffer reads nothing");
        assert_eq!(buf.filled().len(), 80_000);
    }
}
