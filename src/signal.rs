//! Unix signals as futures: [`ctrl_c`], and [`signal`] for any catchable
//! signal, gevent's `signal_handler` made async.
//!
//! # How it works, and why this way
//!
//! Each [`Signal`] owns a pipe. Creating one registers, through the
//! signal-hook crate, a handler action that writes a byte into that pipe,
//! which is async-signal-safe; the read end sits in the runtime's reactor
//! like a socket. So every listener sees every delivery, in any number of
//! runtimes on any number of threads, and a signal that arrives while no
//! task waits leaves its byte in the pipe for the next
//! [`recv`](Signal::recv). Deliveries that arrive before a `recv` takes
//! them count as one, as the kernel itself merges pending signals.
//!
//! `signalfd` would spare the pipe, but it only works with the signal
//! blocked in every thread of the process, including the blocking pool's
//! and the user's own, which a library cannot promise.
//!
//! # What it changes for the rest of the program
//!
//! signal-hook chains its handler after any handler installed before it,
//! and other code can add its own actions beside grove's. But once a
//! listener for a signal has existed, that signal's **default action is
//! gone for the rest of the process**, even after the last listener
//! drops: a handler cannot hand the signal back to the kernel's default.
//! In particular, after a [`ctrl_c`] listener, Ctrl-C no longer kills the
//! program by itself; the program decides (see `examples/ctrl_c/`, where
//! a second Ctrl-C exits at once).
//!
//! # Examples
//!
//! ```
//! use grove::signal::{SignalKind, signal};
//!
//! grove::run(async {
//!     let mut hangups = signal(SignalKind::hangup())?;
//!     // Sends SIGHUP to this process, for the example.
//!     unsafe { libc::raise(libc::SIGHUP) };
//!     hangups.recv().await?;
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use signal_hook::SigId;

use crate::io::Async;

/// A catchable signal, by number.
///
/// # Examples
///
/// ```
/// use grove::signal::SignalKind;
///
/// assert_eq!(SignalKind::terminate().as_raw(), libc::SIGTERM);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// The signal with number `signum`. Whether it can be listened for is
    /// checked by [`signal`].
    ///
    /// # Examples
    ///
    /// ```
    /// let winch = grove::signal::SignalKind::from_raw(libc::SIGWINCH);
    /// assert_eq!(winch.as_raw(), libc::SIGWINCH);
    /// ```
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::hangup().as_raw(), libc::SIGHUP);
    /// ```
    pub const fn as_raw(self) -> libc::c_int {
        self.0
    }

    /// SIGINT: Ctrl-C at the terminal.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::interrupt().as_raw(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: the polite request to stop, from `kill` and service managers.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::terminate().as_raw(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away, or, by convention, "reload".
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::hangup().as_raw(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGUSR1, for the program's own use (a task dump, say).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::user_defined1().as_raw(), libc::SIGUSR1);
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2, for the program's own use.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::user_defined2().as_raw(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD: a child process stopped or exited.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::signal::SignalKind::child().as_raw(), libc::SIGCHLD);
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }
}

/// A listener for one signal: [`recv`](Signal::recv) waits for the next
/// delivery; as a `Stream`, it yields one item per delivery (or per burst
/// of deliveries that came before it was polled). It never ends.
///
/// Dropping it stops listening; see the module docs for what stays.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// use grove::signal::{SignalKind, signal};
///
/// grove::run(async {
///     let mut usr2 = signal(SignalKind::user_defined2())?;
///     unsafe { libc::raise(libc::SIGUSR2) };
///     usr2.next().await.unwrap()?;
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Signal {
    kind: SignalKind,
    /// The pipe's read end; the write end belongs to the handler action.
    pipe: Async<mio::unix::pipe::Receiver>,
    /// The handler action, unregistered on drop.
    action: SigId,
}

/// Starts listening for `kind`. Deliveries from now on are kept until
/// [`recv`](Signal::recv) takes them.
///
/// # Errors
/// `InvalidInput` for a signal that cannot be caught or must not be
/// (SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV) or is not a signal; an OS
/// error if the pipe cannot be made (out of descriptors).
///
/// # Panics
/// If there is no grove runtime on this thread.
///
/// # Examples
///
/// ```
/// use grove::signal::{SignalKind, signal};
///
/// grove::run(async {
///     assert!(signal(SignalKind::terminate()).is_ok());
///     let kill = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
///     assert_eq!(kill.kind(), std::io::ErrorKind::InvalidInput);
/// });
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.as_raw();
    if signal_hook::consts::FORBIDDEN.contains(&signum) || !(1..=libc::SIGRTMAX()).contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be listened for"),
        ));
    }
    let (sender, receiver) = mio::unix::pipe::new()?;
    let pipe = Async::new(receiver)?;
    let action = signal_hook::low_level::pipe::register(signum, sender)?;
    Ok(Signal { kind, pipe, action })
}

/// Waits for Ctrl-C (SIGINT). It starts listening when first polled, not
/// when called: a Ctrl-C before that still has its default effect (the
/// process ends), unless some other listener exists. To be sure, create a
/// [`signal`] listener early and await it later.
///
/// # Errors
/// As [`signal`], which it calls.
///
/// # Panics
/// If there is no grove runtime on this thread.
///
/// # Cancel safety
/// Dropping the future stops listening; a delivery it had not returned
/// yet is lost with it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let waiting = grove::spawn(grove::signal::ctrl_c());
///     grove::sleep(Duration::from_millis(10)).await; // let it start listening
///     unsafe { libc::raise(libc::SIGINT) };
///     waiting.await.unwrap()?;
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    signal(SignalKind::interrupt())?.recv().await
}

impl Signal {
    /// Waits for the next delivery of the signal (or the burst of them
    /// that came since the last `recv`).
    ///
    /// # Errors
    /// Only if reading the listener's own pipe fails, which would be a bug.
    ///
    /// # Cancel safety
    /// Dropping the future loses nothing: a delivery it had not taken stays
    /// for the next `recv`.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::signal::{SignalKind, signal};
    ///
    /// grove::run(async {
    ///     let mut usr1 = signal(SignalKind::user_defined1())?;
    ///     unsafe { libc::raise(libc::SIGUSR1) };
    ///     usr1.recv().await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; see [`recv`](Signal::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::signal::{SignalKind, signal};
    ///
    /// grove::run(async {
    ///     let mut hup = signal(SignalKind::hangup())?;
    ///     unsafe { libc::raise(libc::SIGHUP) };
    ///     std::future::poll_fn(|cx| hup.poll_recv(cx)).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pipe.poll_read_with(cx, |mut pipe| {
            // Takes every byte written so far: one `recv` per burst.
            let mut drained = [0; 64];
            let mut got = pipe.read(&mut drained)?;
            if got == 0 {
                return Err(io::Error::other("a signal listener's pipe was closed"));
            }
            while got == drained.len() {
                got = match pipe.read(&mut drained) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                    other => other?,
                };
            }
            Ok(())
        })
    }

    /// The signal this listener is for.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::signal::{SignalKind, signal};
    ///
    /// grove::run(async {
    ///     assert_eq!(signal(SignalKind::hangup())?.kind(), SignalKind::hangup());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Stream for Signal {
    type Item = io::Result<()>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<()>>> {
        self.get_mut().poll_recv(cx).map(Some)
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        // Dropping the action closes the pipe's write end.
        signal_hook::low_level::unregister(self.action);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}
