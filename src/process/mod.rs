//! Child processes, without blocking the loop: std's `Command` made async,
//! and gevent.subprocess's `communicate`.
//!
//! [`Command`] configures and starts a child as std's does; the [`Child`]
//! it gives is waited for, read from and written to with futures. A
//! hundred children on one thread cost no extra thread: on Linux 5.3+
//! each child's exit is a pidfd in the reactor (see `exit.rs` for the
//! SIGCHLD fallback on older kernels, and for how a dropped `Child` is
//! still reaped).
//!
//! # Examples
//!
//! ```
//! use grove::process::Command;
//!
//! grove::run(async {
//!     let output = Command::new("echo").arg("hello").output().await?;
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"hello\n");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod child;
mod communicate;
mod exit;
mod pipes;

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;

pub use child::Child;
pub use communicate::CommunicateError;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

use exit::Exit;

/// A process to start: std's [`Command`](std::process::Command), whose
/// [`spawn`](Command::spawn) gives a [`Child`] to await.
///
/// # Examples
///
/// ```
/// use grove::process::{Command, Stdio};
///
/// grove::run(async {
///     let status = Command::new("sh")
///         .arg("-c")
///         .arg("test \"$GREETING\" = hi && test \"$PWD\" = /")
///         .env("GREETING", "hi")
///         .current_dir("/")
///         .stdout(Stdio::null())
///         .status()
///         .await?;
///     assert!(status.success());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Whether `stdin` was set, so that `output` can default it to null,
    /// as std's does.
    stdin_set: bool,
}

impl Command {
    /// A command that runs `program`, found in `PATH` if it has no slash.
    ///
    /// # Examples
    ///
    /// ```
    /// let command = grove::process::Command::new("ls");
    /// assert_eq!(command.as_std().get_program(), "ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            kill_on_drop: false,
            stdin_set: false,
        }
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("ls");
    /// command.arg("-l");
    /// assert_eq!(command.as_std().get_args().collect::<Vec<_>>(), ["-l"]);
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("ls");
    /// command.args(["-l", "-a"]);
    /// assert_eq!(command.as_std().get_args().count(), 2);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("env");
    /// command.env("MODE", "test");
    /// assert_eq!(command.as_std().get_envs().count(), 1);
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets environment variables for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("env");
    /// command.envs([("A", "1"), ("B", "2")]);
    /// assert_eq!(command.as_std().get_envs().count(), 2);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from what the child inherits.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("env");
    /// command.env_remove("HOME");
    /// # drop(command);
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment, but for what
    /// [`env`](Command::env) adds.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("env");
    /// command.env_clear().env("ONLY", "this");
    /// # drop(command);
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("pwd");
    /// command.current_dir("/tmp");
    /// assert_eq!(command.as_std().get_current_dir(), Some(std::path::Path::new("/tmp")));
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: inherited by default; [`Stdio::piped`] gives a
    /// [`ChildStdin`] to write to.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("cat");
    /// command.stdin(grove::process::Stdio::piped());
    /// # drop(command);
    /// ```
    pub fn stdin(&mut self, stdin: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(stdin);
        self.stdin_set = true;
        self
    }

    /// The child's stdout: inherited by default; [`Stdio::piped`] gives a
    /// [`ChildStdout`] to read from.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("ls");
    /// command.stdout(grove::process::Stdio::null());
    /// # drop(command);
    /// ```
    pub fn stdout(&mut self, stdout: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(stdout);
        self
    }

    /// The child's stderr: inherited by default; [`Stdio::piped`] gives a
    /// [`ChildStderr`] to read from.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut command = grove::process::Command::new("ls");
    /// command.stderr(grove::process::Stdio::null());
    /// # drop(command);
    /// ```
    pub fn stderr(&mut self, stderr: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(stderr);
        self
    }

    /// Whether dropping the [`Child`] before it is reaped kills the process
    /// (SIGKILL) first. Either way, the runtime reaps it.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let child = grove::process::Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
    ///     drop(child); // killed now, reaped by the runtime
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// The std command underneath, for the settings not mirrored here
    /// (`std::os::unix::process::CommandExt`: `uid`, `process_group`...).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::CommandExt;
    ///
    /// let mut command = grove::process::Command::new("true");
    /// command.as_std_mut().process_group(0);
    /// # drop(command);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std command underneath.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::process::Command::new("true").as_std().get_program(), "true");
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// Starts the child.
    ///
    /// # Errors
    /// If the program cannot be started: the error names it, and for a
    /// program that does not exist its kind is `NotFound`. Also if the
    /// pipes or the exit watcher cannot be made (out of descriptors).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let err = grove::process::Command::new("no-such-program-here").spawn().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     assert!(err.to_string().contains("no-such-program-here"));
    /// });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        exit::sweep_orphans();
        let sigchld = Exit::before_spawn()?;
        let std = self.std.spawn().map_err(|e| {
            let program = self.std.get_program().to_string_lossy().into_owned();
            io::Error::new(e.kind(), format!("could not run {program:?}: {e}"))
        })?;
        // Without a watcher or its pipes, it could not be awaited: kill and
        // reap it rather than leave it behind.
        let give_up = |mut std: std::process::Child, e: io::Error| {
            let _ = std.kill();
            let _ = std.wait();
            e
        };
        let (std, pipes) = Child::take_pipes(std).map_err(|(std, e)| give_up(std, e))?;
        match Exit::watch(std.id(), sigchld) {
            Ok(exit) => Ok(Child::new(std, pipes, exit, self.kill_on_drop)),
            Err(e) => Err(give_up(std, e)),
        }
    }

    /// Runs the child to its end, with the stdio as configured (inherited
    /// by default), and returns its status.
    ///
    /// # Errors
    /// As [`spawn`](Command::spawn) and [`Child::wait`].
    ///
    /// # Cancel safety
    /// Dropping the future drops the child, which the runtime reaps (and
    /// kills first with [`kill_on_drop`](Command::kill_on_drop)).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let status = grove::process::Command::new("false").status().await?;
    ///     assert_eq!(status.code(), Some(1));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }

    /// Runs the child to its end and collects its stdout and stderr, which
    /// are piped whatever was set; stdin is null unless set. Unlike std's,
    /// it leaves those settings on the `Command`: a later `spawn` gets the
    /// pipes too.
    ///
    /// # Errors
    /// As [`spawn`](Command::spawn), and I/O errors on the pipes.
    ///
    /// # Cancel safety
    /// As [`status`](Command::status).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let output = grove::process::Command::new("sh").args(["-c", "echo out; echo err >&2"]).output().await?;
    ///     assert_eq!((output.stdout.as_slice(), output.stderr.as_slice()), (&b"out\n"[..], &b"err\n"[..]));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        self.std.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.spawn()?;
        Ok(child.communicate(&[], None).await?)
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
