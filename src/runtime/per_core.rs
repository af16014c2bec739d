//! One runtime per core: N runtimes on N threads, for a program that wants
//! every core.
//!
//! A grove runtime never leaves the thread that made it, and neither do its
//! tasks or its sockets: a socket belongs to the runtime that registered it,
//! and so does anything built on sockets, a client's connection pool say.
//! A program that wants more than one core therefore runs one runtime per
//! thread, each with its own listener (bound with `SO_REUSEPORT`, so that
//! the kernel spreads the connections over them), its own pools and its own
//! tasks; the runtimes share nothing unless the program shares it (through
//! `Send` types, or a [`Handle`] to spawn on another one).
//! [`Builder::build_per_core`] starts them.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::mpsc;

use super::{Builder, Handle};

/// Runtimes started by [`Builder::build_per_core`], one per thread, each
/// running its `main` future.
///
/// # Examples
///
/// ```
/// let runtimes = grove::Runtime::builder().build_per_core(2, false, |index| async move {
///     grove::sleep(std::time::Duration::from_millis(1)).await;
///     index * 10
/// })?;
/// assert_eq!(runtimes.handles().len(), 2);
/// let results: Vec<usize> = runtimes.join().into_iter().map(Result::unwrap).collect();
/// assert_eq!(results, [0, 10]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct PerCore<T> {
    handles: Vec<Handle>,
    threads: Vec<std::thread::JoinHandle<Option<T>>>,
}

impl<T> PerCore<T> {
    /// A handle on each runtime, in the order of their indexes: to spawn on
    /// one from any thread, or read its metrics.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtimes = grove::Runtime::builder().build_per_core(2, false, |_| async {
    ///     grove::sleep(std::time::Duration::from_millis(50)).await;
    /// })?;
    /// let task = runtimes.handles()[1].spawn(async { "ran on runtime 1" });
    /// assert!(runtimes.join().iter().all(Result::is_ok));
    /// drop(task);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handles(&self) -> &[Handle] {
        &self.handles
    }

    /// Waits for every runtime's `main` to finish, and gives what each
    /// returned, in index order; `Err` holds the panic of a `main` that
    /// panicked (the other runtimes run on).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtimes = grove::Runtime::builder().build_per_core(2, false, |index| async move {
    ///     assert_eq!(index, 0, "runtime {index} fails");
    /// })?;
    /// let results = runtimes.join();
    /// assert!(results[0].is_ok() && results[1].is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn join(self) -> Vec<std::thread::Result<T>> {
        self.threads
            .into_iter()
            .map(|thread| thread.join().map(|ran| ran.expect("runs once every runtime is up")))
            .collect()
    }
}

impl Builder {
    /// Starts `threads` runtimes built as this builder says, each on a
    /// thread of its own named `grove-N`, and runs `main(N)` to its end on
    /// runtime N. With `pin`, thread N is pinned to the Nth CPU the calling
    /// thread may run on (round robin past the last): called from a thread
    /// already pinned, all runtimes share its CPUs. See the
    /// [module docs](crate::runtime::per_core) for what runtimes share.
    ///
    /// Every runtime is built before any `main` starts, so an error leaves
    /// nothing running.
    ///
    /// # Errors
    /// If a thread cannot be started or a runtime cannot be built (out of
    /// descriptors, say).
    ///
    /// # Examples
    ///
    /// A server on every core, each runtime with its own listener on the
    /// same port:
    ///
    /// ```no_run
    /// use grove::net::TcpListener;
    ///
    /// let servers = grove::Runtime::builder().build_per_core(2, true, |_| async {
    ///     let listener = TcpListener::bind_reuseport("127.0.0.1:8080").await?;
    ///     loop {
    ///         let (stream, _) = listener.accept().await?;
    ///         grove::spawn(async move { drop(stream) });
    ///     }
    ///     #[allow(unreachable_code)]
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// servers.join();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build_per_core<F, Fut>(&self, threads: usize, pin: bool, main: F) -> io::Result<PerCore<Fut::Output>>
    where
        F: Fn(usize) -> Fut + Send + Sync + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let main = Arc::new(main);
        let cpus = if pin { allowed_cpus() } else { Vec::new() };
        let (ready_tx, ready_rx) = mpsc::channel();
        let mut started = Vec::with_capacity(threads);
        for index in 0..threads {
            let (builder, main, ready) = (self.clone(), main.clone(), ready_tx.clone());
            let cpu = (!cpus.is_empty()).then(|| cpus[index % cpus.len()]);
            let (go_tx, go_rx) = mpsc::channel::<bool>();
            let thread = std::thread::Builder::new()
                .name(format!("grove-{index}"))
                .spawn(move || {
                    if let Some(cpu) = cpu {
                        pin_current_thread(cpu);
                    }
                    let runtime = match builder.build() {
                        Ok(runtime) => runtime,
                        Err(e) => {
                            let _ = ready.send((index, Err(e)));
                            return None;
                        }
                    };
                    let _ = ready.send((index, Ok(runtime.handle())));
                    // Dropped now, so that if another thread dies before it
                    // reports, the wait for reports ends.
                    drop(ready);
                    // Runs only once every runtime is up.
                    go_rx.recv().is_ok_and(|go| go).then(|| runtime.block_on(main(index)))
                });
            match thread {
                Ok(thread) => started.push((thread, go_tx)),
                Err(e) => return Err(stop(started, e)),
            }
        }
        drop(ready_tx);
        let mut handles: Vec<Option<Handle>> = (0..threads).map(|_| None).collect();
        for (index, built) in ready_rx.iter().take(threads) {
            match built {
                Ok(handle) => handles[index] = Some(handle),
                Err(e) => return Err(stop(started, e)),
            }
        }
        let handles = handles
            .into_iter()
            .map(|handle| {
                handle.ok_or_else(|| io::Error::other("a runtime's thread ended before its runtime was built"))
            })
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| stop(std::mem::take(&mut started), e))?;
        let threads = started
            .into_iter()
            .map(|(thread, go)| {
                let _ = go.send(true);
                thread
            })
            .collect();
        Ok(PerCore { handles, threads })
    }
}

/// Tells every started thread not to run its `main`, waits for them, and
/// returns `error`.
fn stop<T>(started: Vec<(std::thread::JoinHandle<T>, mpsc::Sender<bool>)>, error: io::Error) -> io::Error {
    for (thread, go) in started {
        let _ = go.send(false);
        let _ = thread.join();
    }
    error
}

/// The CPUs the calling thread may run on, in order.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: `cpu_set_t` is plain bits, for which all zeroes is the empty
    // set; `sched_getaffinity` gets a pointer to it and its exact size.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        set
    };
    // SAFETY: `CPU_ISSET` reads a bit of the set, for CPUs within its size.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

/// Pins the calling thread to `cpu`; if the OS refuses, it stays unpinned.
fn pin_current_thread(cpu: usize) {
    // SAFETY: as in `allowed_cpus`; `CPU_SET` writes a bit within the set
    // (`cpu` came from `allowed_cpus`, so it is below `CPU_SETSIZE`), and
    // `sched_setaffinity` only reads the set, for this thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}
