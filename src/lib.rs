//! grove runs thousands of green tasks on one thread, the way gevent runs
//! greenlets: spawn them, let them sleep and do I/O, join them all.
//!
//! Its main job is gevent's concurrent fetcher: one green task per URL,
//! each sends a `GET`, reads the whole body and reports its size, and
//! `joinall` waits for them all (`cargo run --release --example fetch` is
//! the full program, with a local server, a `Pool` and checksums). Here it
//! is against a small server in the same runtime:
//!
//! ```
//! use futures::{AsyncReadExt, AsyncWriteExt};
//! use grove::net::{TcpListener, TcpStream};
//!
//! async fn get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<Vec<u8>> {
//!     let mut stream = TcpStream::connect(addr).await?;
//!     let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
//!     stream.write_all(request.as_bytes()).await?;
//!     let mut response = Vec::new();
//!     stream.read_to_end(&mut response).await?;
//!     Ok(response)
//! }
//!
//! grove::run(async {
//!     // The server: every connection gets a page the size of its path.
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     grove::spawn(async move {
//!         while let Ok((mut conn, _)) = listener.accept().await {
//!             grove::spawn(async move {
//!                 let mut buf = [0; 1024];
//!                 let n = conn.read(&mut buf).await?;
//!                 let path_len = buf[..n].split(|&b| b == b' ').nth(1).map_or(0, <[u8]>::len);
//!                 let body = "x".repeat(path_len * 100);
//!                 let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
//!                 conn.write_all((head + &body).as_bytes()).await?;
//!                 conn.close().await
//!             });
//!         }
//!     });
//!
//!     // The fetcher: one task per URL, all joined.
//!     let paths = ["/", "/news", "/about-us"];
//!     let tasks: Vec<_> = paths
//!         .iter()
//!         .map(|&path| grove::spawn(async move {
//!             println!("GET: {path}");
//!             let response = get(addr, path).await?;
//!             let body = &response[response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
//!             println!("{} bytes received from {path}", body.len());
//!             Ok::<_, std::io::Error>(body.len())
//!         }))
//!         .collect();
//!     let sizes: Vec<usize> = grove::joinall(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
//!     assert_eq!(sizes, [100, 500, 900]);
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # What is here
//!
//! - [`run`] and [`Runtime`]: the loop, one per thread, built on mio.
//!   [`Handle`] spawns onto it from other threads; `Handle::current` gets
//!   one from inside.
//! - [`spawn`], [`spawn_later`], [`JoinHandle`] (await, `kill`, `id`,
//!   `name`), [`joinall`] and [`try_joinall`], [`yield_now`], task names and
//!   [`task_local!`]: gevent's greenlets.
//! - Waiting on many: [`task::wait`] (the first `count` seen finished),
//!   [`task::as_completed`] (gevent's `iwait`) and [`task::killall`]; the
//!   [`guide::waiting`] chapter shows `select!` across any futures.
//! - Fairness: every task has a budget of operations per turn, so one busy
//!   task cannot hold the thread; [`task::unconstrained`] opts out and
//!   [`task::consume_budget`] charges a loop of one's own.
//! - [`sleep`], [`sleep_until`], [`timeout`], [`interval`]: time.
//! - [`sync`]: [`Event`](sync::Event), [`AsyncResult`](sync::AsyncResult),
//!   [`Semaphore`](sync::Semaphore), [`BoundedSemaphore`](sync::BoundedSemaphore),
//!   [`Lock`](sync::Lock), [`RLock`](sync::RLock), [`Condition`](sync::Condition)
//!   (with `wait_for`), and [`CancelToken`](sync::CancelToken), cancellation
//!   that fans out to child tokens.
//! - [`queue`]: [`Queue`](queue::Queue), [`LifoQueue`](queue::LifoQueue),
//!   [`PriorityQueue`](queue::PriorityQueue) (joinable, closable at once or
//!   after the last item, `peek_wait`) and the rendezvous
//!   [`Channel`](queue::Channel), whose `put` switches to the getter and
//!   back.
//! - [`switch`]: greenlet-style switching between two tasks.
//! - [`pool`]: [`Group`](pool::Group), which owns its tasks (`join_next`,
//!   `add`, `discard`, `killone`; a scoped group kills them when dropped,
//!   so a killed tree of tasks stops as one), and [`Pool`](pool::Pool)
//!   (bounded concurrency, `map`, `imap`, `imap_unordered`, `apply`,
//!   `wait_available`).
//! - [`net`]: [`TcpListener`](net::TcpListener), [`TcpStream`](net::TcpStream),
//!   [`UdpSocket`](net::UdpSocket) and the Unix sockets
//!   ([`UnixListener`](net::UnixListener), [`UnixStream`](net::UnixStream),
//!   [`UnixDatagram`](net::UnixDatagram)) over the same reactor.
//! - [`signal`]: [`ctrl_c`](signal::ctrl_c) and
//!   [`signal`](signal::signal()) for any catchable signal; every listener,
//!   in every runtime, sees each delivery.
//! - [`process`]: child processes, as std's [`Command`](process::Command)
//!   made async, with gevent.subprocess's
//!   [`communicate`](process::Child::communicate); no zombie is left.
//! - `fs` (with `blocking`): files and directories on the blocking pool,
//!   with a futures-io `File`.
//! - `blocking` (cargo feature, on by default): `spawn_blocking` and
//!   `blocking::ThreadPool`, OS threads for blocking calls, with Python's
//!   `map`, `imap`, `imap_unordered`, `close`, `join` and `terminate`.
//! - Seeing inside the loop: a blocked-loop monitor
//!   ([`runtime::Builder::max_blocking_time`]), [`Runtime::metrics`],
//!   task dumps ([`Runtime::tasks`]), task hooks, `tracing` spans, and a
//!   paused clock for tests ([`time::advance`]); see [`guide::observing`].
//! - [`io::Async`]: any mio source as futures-io `AsyncRead`/`AsyncWrite`.
//! - [`compat`]: futures' spawn traits, and hyper 1.x's runtime traits.
//! - [`guide`]: chapters on how grove is built and how to embed it.
//!
//! # Cargo features
//!
//! - `blocking` (on by default): `spawn_blocking`, `blocking::ThreadPool`
//!   and `fs`.
//! - `hyper` (on by default): `compat::hyper`, hyper 1.x's executor, timer
//!   and I/O traits, which the fetch example runs on.
//! - `tracing`: a `tracing` span per task, entered on each poll, and
//!   `trace` events for I/O readiness and fired timers.
//!
//! Tasks may hold `!Send` state: a runtime and its tasks never leave the
//! thread that created it. To use more cores, run one runtime per core:
//! [`runtime::Builder::build_per_core`] starts them ([`runtime::per_core`]).
//!
//! # Panics and errors
//!
//! A panic inside a task is caught and handed to its [`JoinHandle`] as a
//! [`JoinError`]; the runtime and every other task go on. Calling
//! [`spawn`] with no runtime on the thread, or `block_on` from inside a
//! runtime, panics with a message that says what to do instead.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, clippy::undocumented_unsafe_blocks)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
pub mod compat;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod fs;
pub mod guide;
pub mod io;
pub mod net;
pub mod pool;
pub mod process;
pub mod queue;
pub mod runtime;
pub mod signal;
pub mod switch;
pub mod sync;
pub mod task;
pub mod time;

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub use blocking::spawn_blocking;
pub use runtime::{Handle, Runtime, run};
pub use task::{JoinError, JoinHandle, joinall, spawn, spawn_later, try_joinall, yield_now};
pub use time::{interval, sleep, sleep_until, timeout};
