//! # Embedding grove
//!
//! grove can be the executor of code that was not written for it: a
//! library that takes a spawner, an HTTP stack, or a program whose main
//! thread belongs to a GUI or game loop. This chapter covers the three, and
//! what may cross threads.
//!
//! ## What is `Send`, and why
//!
//! A [`Runtime`](crate::Runtime) and its tasks stay on the thread that
//! created it: that is what lets tasks hold `Rc`, `RefCell` and other
//! `!Send` state, and what makes a task switch a plain function call that
//! touches no atomic task state (only wakers' reference counts are
//! atomic, as wakers may cross threads). So `Runtime`, [`JoinHandle`](crate::JoinHandle),
//! [`LocalSpawner`](crate::compat::LocalSpawner), the `sync` and `queue`
//! types and the sockets are `!Send`, or only usable on their runtime.
//!
//! What other threads get is [`Handle`](crate::Handle) (`Send + Sync +
//! Clone`), whose `spawn` takes `Send` futures, and [`Waker`]s, which are
//! `Send + Sync`: a wake from another thread goes through the runtime's
//! inject queue and wakes its poller. [`Sleep`](crate::time::Sleep) is
//! `Send + Sync` too (it holds a deadline and a timer key), as hyper's
//! timer trait requires. Channels that are themselves `Send`, such as
//! `futures::channel::{mpsc, oneshot}`, carry values between a grove task
//! and any thread, including the blocking pool's.
//!
//! [`Waker`]: std::task::Waker
//!
//! ## A library that wants an executor
//!
//! Code written against futures' [`LocalSpawn`](futures::task::LocalSpawn)
//! or [`Spawn`](futures::task::Spawn) runs on grove with no glue:
//! [`LocalSpawner`](crate::compat::LocalSpawner) spawns `!Send` futures on
//! the current runtime, and [`Handle`](crate::Handle) spawns `Send` ones
//! from anywhere.
//!
//! ```
//! use futures::task::{Spawn, SpawnExt};
//!
//! /// A library function that only knows futures' traits.
//! fn start_counter<S: Spawn>(spawner: &S) -> futures::future::RemoteHandle<u32> {
//!     spawner.spawn_with_handle(async { (1..=4).sum() }).unwrap()
//! }
//!
//! let rt = grove::Runtime::new()?;
//! let handle = rt.handle();
//! // From another thread, through the Handle.
//! let counter = std::thread::spawn(move || start_counter(&handle)).join().unwrap();
//! assert_eq!(rt.block_on(counter), 10);
//! // On the runtime's own thread, through a LocalSpawner.
//! let sum = rt.block_on(async { start_counter(&grove::compat::LocalSpawner::current()).await });
//! assert_eq!(sum, 10);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## An HTTP stack: hyper
//!
//! With the cargo feature `hyper`, [`compat::hyper`](crate::compat::hyper) gives
//! hyper 1.x an executor (`GroveExecutor`, for `Send` and `!Send` futures
//! alike), a timer (`GroveTimer`) and an adapter from futures-io to hyper's
//! I/O traits (`HyperIo`). A server and a client in one runtime:
//!
//! ```
//! # #[cfg(feature = "hyper")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bytes::Bytes;
//! use grove::compat::hyper::HyperIo;
//! use grove::net::{TcpListener, TcpStream};
//! use http_body_util::{BodyExt, Full};
//! use hyper::{Request, Response};
//!
//! grove::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     grove::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let service = hyper::service::service_fn(|_req: Request<hyper::body::Incoming>| async {
//!             Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from("hello from grove"))))
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .serve_connection(HyperIo::new(stream), service)
//!             .await
//!             .unwrap();
//!     });
//!     let stream = TcpStream::connect(addr).await?;
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(HyperIo::new(stream)).await?;
//!     grove::spawn(connection);
//!     let request = Request::get("/").header("host", "localhost").body(Full::new(Bytes::new()))?;
//!     let body = sender.send_request(request).await?.into_body().collect().await?.to_bytes();
//!     assert_eq!(body, "hello from grove");
//!     Ok(())
//! })
//! # }
//! # #[cfg(not(feature = "hyper"))]
//! # fn main() {}
//! ```
//!
//! `examples/hyper_server.rs` and `examples/hyper_client.rs` are the full
//! programs; HTTP/2 needs `GroveExecutor` for its streams and `GroveTimer`
//! for its keep-alive pings.
//!
//! ## A host loop that owns the main thread
//!
//! A GUI or game loop does its own work every frame and drives grove in
//! between with [`Runtime::turn`](crate::Runtime::turn): it runs what is
//! ready, waiting at most the time given, and says whether any task is
//! still alive. A loop that sleeps in its own poller can watch the
//! runtime's file descriptor (`AsRawFd`/`AsFd`), which turns readable on
//! socket events and wakes from other threads, and ask
//! [`Runtime::next_wakeup`](crate::Runtime::next_wakeup) how long it may
//! sleep: that covers the next timer, and tasks that the host's own code
//! woke between turns (a queue put, an event set), which the descriptor
//! does not show.
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let rt = grove::Runtime::new()?;
//! let ticks = Rc::new(Cell::new(0));
//! let task = {
//!     let ticks = ticks.clone();
//!     grove::spawn(async move {
//!         for _ in 0..3 {
//!             grove::sleep(Duration::from_millis(5)).await;
//!             ticks.set(ticks.get() + 1);
//!         }
//!     })
//! };
//! let mut frames = 0;
//! // Nothing runs until the host turns the runtime.
//! assert_eq!(ticks.get(), 0);
//! while rt.turn(Duration::ZERO) {
//!     frames += 1; // the host's frame: drawing, input, physics...
//!     std::thread::sleep(Duration::from_millis(1));
//! }
//! assert_eq!(ticks.get(), 3);
//! assert!(task.is_finished() && frames > 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! `examples/host_loop.rs` is a fuller loop, with tasks that sleep, fetch
//! and message each other between 10 ms frames.
//!
//! ## A library with a blocking API
//!
//! A library can use grove inside a plain blocking function: it creates a
//! runtime, runs its concurrent work, and returns. This works from any
//! thread that is not already driving a grove runtime: a plain thread, a
//! thread of tokio's blocking pool, even a tokio worker (grove does not
//! look at tokio's context). On a thread that is driving grove, `block_on`
//! panics with a message that says to await instead.
//!
//! ```
//! /// Sums `n` squares, one green task each.
//! pub fn sum_of_squares(n: u64) -> u64 {
//!     let rt = grove::Runtime::new().expect("a runtime");
//!     rt.block_on(async {
//!         let tasks: Vec<_> = (1..=n).map(|i| grove::spawn(async move { i * i })).collect();
//!         grove::joinall(tasks).await.into_iter().map(Result::unwrap).sum()
//!     })
//! }
//!
//! assert_eq!(sum_of_squares(3), 14);
//! assert_eq!(std::thread::spawn(|| sum_of_squares(4)).join().unwrap(), 30);
//! ```
