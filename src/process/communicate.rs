//! gevent.subprocess's `communicate`: input in, both outputs out, all at
//! once, within a deadline.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::process::Output;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};

use super::Child;

/// Why [`Child::communicate`] failed, with what the child had written by
/// then.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use grove::process::{Command, Stdio};
///
/// grove::run(async {
///     let mut child = Command::new("sh")
///         .args(["-c", "echo started; sleep 10"])
///         .stdout(Stdio::piped())
///         .spawn()?;
///     let err = child.communicate(b"", Some(Duration::from_millis(300))).await.unwrap_err();
///     assert!(err.is_timeout());
///     assert_eq!(err.stdout, b"started\n");
///     assert!(child.try_wait()?.is_some(), "killed and reaped");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct CommunicateError {
    /// What the child wrote to its stdout before the failure.
    pub stdout: Vec<u8>,
    /// What it wrote to its stderr.
    pub stderr: Vec<u8>,
    error: io::Error,
}

impl CommunicateError {
    /// Whether the time ran out (the child was then killed and reaped).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let mut child = grove::process::Command::new("sleep").arg("10").spawn()?;
    ///     let err = child.communicate(b"", Some(Duration::from_millis(50))).await.unwrap_err();
    ///     assert!(err.is_timeout());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.error.kind() == io::ErrorKind::TimedOut
    }

    /// The underlying error: `TimedOut`, or the pipes' I/O error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let mut child = grove::process::Command::new("sleep").arg("10").spawn()?;
    ///     let err = child.communicate(b"", Some(Duration::from_millis(50))).await.unwrap_err();
    ///     assert_eq!(err.io_error().kind(), std::io::ErrorKind::TimedOut);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_error(&self) -> &io::Error {
        &self.error
    }
}

impl fmt::Display for CommunicateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (after {} bytes of stdout and {} of stderr)",
            self.error,
            self.stdout.len(),
            self.stderr.len()
        )
    }
}

impl StdError for CommunicateError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.error)
    }
}

impl From<CommunicateError> for io::Error {
    fn from(e: CommunicateError) -> io::Error {
        io::Error::new(e.error.kind(), e)
    }
}

pub(super) async fn communicate(
    child: &mut Child,
    input: &[u8],
    timeout: Option<Duration>,
) -> Result<Output, CommunicateError> {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let (stdin, out, err) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let exchange = async {
        let write = async {
            if let Some(mut stdin) = stdin {
                match stdin.write_all(input).await {
                    // The child stopped reading: what it wrote still counts.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                    other => other?,
                }
                stdin.close().await?;
            }
            Ok::<_, io::Error>(())
        };
        let read_out = async {
            match out {
                Some(mut out) => out.read_to_end(&mut stdout).await.map(drop),
                None => Ok(()),
            }
        };
        let read_err = async {
            match err {
                Some(mut err) => err.read_to_end(&mut stderr).await.map(drop),
                None => Ok(()),
            }
        };
        futures::future::try_join3(write, read_out, read_err).await?;
        child.wait().await
    };
    let status = match timeout {
        None => exchange.await,
        Some(limit) => match crate::timeout(limit, exchange).await {
            Ok(done) => done,
            Err(_) => {
                // Reaped too: no zombie, whatever the caller does next.
                let reaped = match child.kill() {
                    Ok(()) => child.wait().await.map(drop),
                    Err(e) => Err(e),
                };
                let error = match reaped {
                    Ok(()) => io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the child did not finish within {limit:?}, and was killed"),
                    ),
                    Err(e) => e,
                };
                return Err(CommunicateError { stdout, stderr, error });
            }
        },
    };
    match status {
        Ok(status) => Ok(Output { status, stdout, stderr }),
        Err(error) => Err(CommunicateError { stdout, stderr, error }),
    }
}
