//! # Seeing inside the loop
//!
//! One thread runs every task, so one blocking call stalls them all, and
//! Rust has no monkey-patching to turn a stray `std::fs::read`,
//! `std::thread::sleep` or long computation into a cooperative one. grove
//! gives four ways to see what the loop and its tasks are doing, each off
//! unless asked for, and each costing only what it does.
//!
//! ## The blocked-loop monitor
//!
//! [`Builder::max_blocking_time`](crate::runtime::Builder::max_blocking_time)
//! starts a thread that watches the loop, as gevent's monitor thread
//! watches its hub. When one poll of a task runs past the limit, the
//! monitor says so while it is still running, with the task's id, name and
//! the line that spawned it, and once more with the total when the poll
//! returns:
//!
//! ```text
//! grove: task 6 "fetch /3" (spawned at examples/monitor.rs:64:52) has blocked the loop for 106ms and counting: ...
//! grove: task 6 "fetch /3" (spawned at examples/monitor.rs:64:52) blocked the loop for 294ms in all
//! ```
//!
//! The loop's part is one relaxed store per poll: which task, and a poll
//! counter. The monitor samples it every tenth of the limit (1 to 10 ms),
//! so that is the precision of its durations. It never reads a task: names
//! and spawn locations come from a side table the loop keeps only while the
//! monitor (or the task dump) is on, so that the task cells stay as small
//! as ever. It cannot show the blocked thread's stack: std captures only
//! the calling thread's, and a signal handler cannot safely do it. The
//! spawn location and the task name are what point to the culprit; name
//! tasks with [`task::Builder::name`](crate::task::Builder::name).
//!
//! Reports go to stderr unless
//! [`on_blocked`](crate::runtime::Builder::on_blocked) takes them (see
//! [`Stall`](crate::runtime::Stall)). `cargo run --example monitor` shows a
//! fetcher with a blocking call, caught, then moved to
//! [`spawn_blocking`](crate::spawn_blocking).
//!
//! ## Metrics
//!
//! [`Runtime::metrics`](crate::Runtime::metrics) (and
//! [`runtime::metrics`](crate::runtime::metrics) from inside a task) gives a
//! [`RuntimeMetrics`](crate::runtime::RuntimeMetrics): tasks alive, ready
//! and waiting; spawned and finished; polls; I/O sources, timers and wakes
//! from other threads; time busy against time parked in the poller; the
//! longest poll (with the monitor on); and the blocking pool's load. The
//! counters are plain cells on the loop's thread, with no atomic on any
//! path of a poll. [`Handle::metrics`](crate::Handle::metrics) reads them
//! from another thread, as of the loop's last look at events.
//!
//! ```
//! grove::run(async {
//!     let tasks: Vec<_> = (0..100).map(|_| grove::spawn(grove::yield_now())).collect();
//!     grove::joinall(tasks).await;
//!     let metrics = grove::runtime::metrics();
//!     assert_eq!((metrics.spawned, metrics.finished), (100, 100));
//!     println!("{} polls, busy {:?}, parked {:?}", metrics.polls, metrics.busy_time, metrics.parked_time);
//! });
//! ```
//!
//! ## Task dumps
//!
//! [`Runtime::tasks`](crate::Runtime::tasks) (or
//! [`runtime::tasks`](crate::runtime::tasks) from a task, say on a signal)
//! lists every live task with its state (ready, waiting, running); with
//! [`Builder::task_dump`](crate::runtime::Builder::task_dump) on, also its
//! age and where it was spawned. A dump prints one task per line.
//! `examples/ctrl_c` prints one whenever the program gets SIGUSR1
//! (`kill -USR1 <pid>`), through [`signal`](crate::signal).
//!
//! ## Hooks and tracing
//!
//! [`on_task_spawn`](crate::runtime::Builder::on_task_spawn),
//! [`on_task_terminate`](crate::runtime::Builder::on_task_terminate),
//! [`on_before_poll`](crate::runtime::Builder::on_before_poll) and
//! [`on_after_poll`](crate::runtime::Builder::on_after_poll) take
//! `Fn(&TaskMeta) + Send + Sync` callbacks, so that one builder can start a
//! runtime per core. With the cargo feature `tracing`, each task runs in a
//! `task` span with its id and name, entered on each poll, and I/O
//! readiness and fired timers are `trace` events (`cargo run --example
//! tracing --features tracing`).
//!
//! ## A clock for tests
//!
//! A runtime built with
//! [`start_paused(true)`](crate::runtime::Builder::start_paused) has a
//! clock that stands still until [`time::advance`](crate::time::advance)
//! moves it, or until the loop has nothing to do but wait for a timer: then
//! it jumps to that timer's deadline at once. An hour-long timeout takes
//! no time, and an interval ticks exactly on its period:
//!
//! ```
//! use std::time::Duration;
//!
//! let rt = grove::Runtime::builder().start_paused(true).build()?;
//! rt.block_on(async {
//!     let start = grove::time::now();
//!     let mut every = grove::interval(Duration::from_secs(600));
//!     for n in 0..7 {
//!         assert_eq!(every.tick().await - start, Duration::from_secs(600) * n);
//!     }
//! });
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Sockets still work; the loop looks at I/O before each jump, and does
//! not jump while a `spawn_blocking` job is out, since its result comes in
//! real time. [`time::now`](crate::time::now) reads the runtime's clock;
//! `Instant::now()` in your own code does not.
