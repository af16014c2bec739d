//! [`File`]: an open file whose reads, writes and seeks run on the
//! blocking pool.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::{OpenOptions, on_pool};
use crate::task::JoinHandle;

/// The most one read or write job moves.
const MAX_CHUNK: usize = 64 * 1024;

/// An open file, with futures-io [`AsyncRead`], [`AsyncWrite`] and
/// [`AsyncSeek`]. Each operation runs on the runtime's blocking pool, one
/// at a time.
///
/// A write is copied and handed to the pool at once: `poll_write` returns
/// before the data reaches the file, and an error it meets is reported by
/// the next operation. Flush (or [`sync_all`](File::sync_all)) to know
/// that the writes are done.
///
/// # Cancel safety
///
/// An operation cancelled while its job runs still happens: the job moves
/// the file's position. The next operation takes that into account: the
/// bytes of a cancelled read are returned by the next read (or skipped
/// over by a seek or a write, which act at the position the reader had
/// reached), and a cancelled write is written before anything else.
///
/// # Examples
///
/// ```
/// use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// grove::run(async {
///     let path = std::env::temp_dir().join(format!("grove-file-doc-{}", std::process::id()));
///     let mut file = grove::fs::File::create(&path).await?;
///     file.write_all(b"hello, world").await?;
///     file.seek(SeekFrom::Start(7)).await?;
///     file.write_all(b"grove").await?;
///     file.flush().await?;
///     let mut text = String::new();
///     grove::fs::File::open(&path).await?.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello, grove");
///     grove::fs::remove_file(&path).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    state: State,
    /// While the job out is a seek whose caller has not had its result
    /// yet: where it seeks to.
    seeking: Option<SeekFrom>,
}

enum State {
    /// No job out. `buf` holds bytes read ahead and not yet returned
    /// (`buf[pos..]`), or nothing.
    Idle {
        buf: Vec<u8>,
        pos: usize,
    },
    Busy(JoinHandle<(Done, Vec<u8>)>),
}

/// What a finished read or seek gives its caller (a write's caller had
/// its answer when the job started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Completed {
    Read(usize),
    Sought(u64),
}

/// What a job did, with the buffer it carried back.
enum Done {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

impl File {
    /// Opens `path` for reading.
    ///
    /// # Errors
    /// As [`std::fs::File::open`].
    ///
    /// # Cancel safety
    /// Dropping the future closes the file once it is open.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let err = grove::fs::File::open("/nonexistent/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        on_pool(move || std::fs::File::open(path)).await.map(File::from_std)
    }

    /// Creates (or truncates) `path` and opens it for writing.
    ///
    /// # Errors
    /// As [`std::fs::File::create`].
    ///
    /// # Cancel safety
    /// Dropping the future closes the file once it is open.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let path = std::env::temp_dir().join(format!("grove-create-doc-{}", std::process::id()));
    ///     let mut file = grove::fs::File::create(&path).await?;
    ///     assert_eq!(file.metadata().await?.len(), 0);
    ///     grove::fs::remove_file(&path).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        on_pool(move || std::fs::File::create(path)).await.map(File::from_std)
    }

    /// Opens `path` with `options` (append, create_new, ...).
    ///
    /// # Errors
    /// As [`OpenOptions::open`].
    ///
    /// # Cancel safety
    /// Dropping the future closes the file once it is open.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    ///
    /// grove::run(async {
    ///     let path = std::env::temp_dir().join(format!("grove-append-doc-{}", std::process::id()));
    ///     grove::fs::write(&path, "a").await?;
    ///     let mut options = grove::fs::OpenOptions::new();
    ///     options.append(true);
    ///     let mut file = grove::fs::File::open_with(&path, options).await?;
    ///     file.write_all(b"b").await?;
    ///     file.flush().await?;
    ///     assert_eq!(grove::fs::read_to_string(&path).await?, "ab");
    ///     grove::fs::remove_file(&path).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn open_with(path: impl AsRef<Path>, options: OpenOptions) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        on_pool(move || options.open(path)).await.map(File::from_std)
    }

    /// Wraps a std file. Its position is where the std file left it.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let mut file = grove::fs::File::from_std(std::fs::File::open("Cargo.toml")?);
    ///     assert!(file.metadata().await?.len() > 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            state: State::Idle {
                buf: Vec::new(),
                pos: 0,
            },
            seeking: None,
        }
    }

    /// The file's metadata, once pending writes are done.
    ///
    /// # Errors
    /// A pending write's error, or that of `fstat(2)`.
    ///
    /// # Cancel safety
    /// Dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let mut file = grove::fs::File::open("Cargo.toml").await?;
    ///     assert!(file.metadata().await?.is_file());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn metadata(&mut self) -> io::Result<std::fs::Metadata> {
        std::future::poll_fn(|cx| self.poll_idle(cx)).await?;
        let std = self.std.clone();
        on_pool(move || std.metadata()).await
    }

    /// Waits for pending writes, then flushes the file's data and metadata
    /// to the disk (`fsync(2)`).
    ///
    /// # Errors
    /// A pending write's error, or that of `fsync(2)`.
    ///
    /// # Cancel safety
    /// Dropping the future lets the sync finish on its thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    ///
    /// grove::run(async {
    ///     let path = std::env::temp_dir().join(format!("grove-sync-doc-{}", std::process::id()));
    ///     let mut file = grove::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     grove::fs::remove_file(&path).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        // Bytes read ahead stay for the next read: `fsync` moves nothing.
        std::future::poll_fn(|cx| self.poll_idle(cx)).await?;
        let std = self.std.clone();
        on_pool(move || std.sync_all()).await
    }

    /// Waits until no job is out, applying what the last one did: a read's
    /// bytes stay in the buffer, and their count is returned; a write's or
    /// a seek's error is returned to whichever operation comes next.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Completed>>> {
        let State::Busy(job) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let finished = ready!(Pin::new(job).poll(cx));
        self.state = State::Idle {
            buf: Vec::new(),
            pos: 0,
        };
        self.seeking = None;
        // A job panics only through a bug; its error is the panic's.
        let (done, mut buf) = finished.map_err(io::Error::other)?;
        let outcome = match done {
            Done::Read(read) => read.map(|n| {
                buf.truncate(n);
                Some(Completed::Read(n))
            }),
            Done::Write(written) => written.map(|()| None),
            Done::Seek(sought) => sought.map(|to| Some(Completed::Sought(to))),
        };
        if !matches!(outcome, Ok(Some(Completed::Read(_)))) {
            buf.clear();
        }
        self.state = State::Idle { buf, pos: 0 };
        Poll::Ready(outcome)
    }

    /// Hands `job` to the pool with `buf`.
    fn start(&mut self, buf: Vec<u8>, job: impl FnOnce(&std::fs::File, Vec<u8>) -> (Done, Vec<u8>) + Send + 'static) {
        let std = self.std.clone();
        self.state = State::Busy(crate::spawn_blocking(move || job(&std, buf)));
    }

    /// The bytes read ahead and not returned: taken out, with their count.
    fn take_unread(&mut self) -> (Vec<u8>, usize) {
        match &mut self.state {
            State::Idle { buf, pos } => {
                let unread = buf.len() - *pos;
                let mut buf = std::mem::take(buf);
                buf.clear();
                (buf, unread)
            }
            State::Busy(_) => unreachable!("called when idle"),
        }
    }
}

impl AsyncRead for File {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            // A job out is this read's own, from an earlier poll, or one of
            // an operation that was cancelled: either way it comes first.
            if ready!(this.poll_idle(cx))? == Some(Completed::Read(0)) {
                return Poll::Ready(Ok(0));
            }
            let State::Idle { buf, pos } = &mut this.state else {
                unreachable!("idle after poll_idle")
            };
            if *pos < buf.len() || out.is_empty() {
                let n = out.len().min(buf.len() - *pos);
                out[..n].copy_from_slice(&buf[*pos..*pos + n]);
                *pos += n;
                return Poll::Ready(Ok(n));
            }
            let mut buf = std::mem::take(buf);
            buf.resize(out.len().min(MAX_CHUNK), 0);
            this.start(buf, |mut file, mut buf| (Done::Read(file.read(&mut buf)), buf));
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_idle(cx))?;
        let (mut buf, unread) = this.take_unread();
        let n = data.len().min(MAX_CHUNK);
        buf.extend_from_slice(&data[..n]);
        this.start(buf, move |mut file, buf| {
            // Bytes read ahead were not returned: the writer's position is
            // before them.
            let written = rewind(file, unread).and_then(|()| file.write_all(&buf));
            (Done::Write(written), buf)
        });
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_idle(cx).map_ok(drop)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(self: Pin<&mut Self>, cx: &mut Context<'_>, to: SeekFrom) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        if this.seeking == Some(to) {
            // This seek's own job, started by an earlier poll with the
            // same `to`. (A seek dropped before its result and then asked
            // for again with the same relative `to` is taken for that
            // same seek: it is not applied twice.)
            let done = ready!(this.poll_idle(cx));
            return Poll::Ready(done.map(|completed| match completed {
                Some(Completed::Sought(position)) => position,
                _ => unreachable!("a seek job seeks"),
            }));
        }
        // Any job out first, a dropped seek to elsewhere included: its
        // move stands, and this seek starts from there.
        ready!(this.poll_idle(cx))?;
        let (buf, unread) = this.take_unread();
        this.start(buf, move |mut file, buf| {
            // Relative to where the reader is, not to where reading ahead
            // took the file.
            let sought = rewind(file, unread).and_then(|()| file.seek(to));
            (Done::Seek(sought), buf)
        });
        this.seeking = Some(to);
        Pin::new(this).poll_seek(cx, to)
    }
}

/// Moves `file` back over `unread` bytes read ahead and not returned.
fn rewind(mut file: &std::fs::File, unread: usize) -> io::Result<()> {
    if unread > 0 {
        let back = i64::try_from(unread).map_err(io::Error::other)?;
        file.seek(SeekFrom::Current(-back))?;
    }
    Ok(())
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &matches!(self.state, State::Busy(_)))
            .finish()
    }
}
