//! Files, without blocking the loop: each call runs on the runtime's
//! blocking pool, as tokio's and smol's do. Needs the cargo feature
//! `blocking`, on by default.
//!
//! Linux has no readiness for regular files: `epoll` calls a file always
//! ready, and a read that hits the disk blocks the thread all the same.
//! (io_uring could do better, but is not always allowed or present.) So
//! every operation here is a short job for [`spawn_blocking`](crate::spawn_blocking),
//! and costs a hand-off to a pool thread and back, microseconds, which
//! is small against a disk and large against a cached read: for many
//! small files, one job doing them all is faster than one call each.
//!
//! # Examples
//!
//! ```
//! grove::run(async {
//!     let path = std::env::temp_dir().join(format!("grove-fs-doc-{}", std::process::id()));
//!     grove::fs::write(&path, "green threads").await?;
//!     assert_eq!(grove::fs::read_to_string(&path).await?, "green threads");
//!     assert_eq!(grove::fs::metadata(&path).await?.len(), 13);
//!     grove::fs::remove_file(&path).await
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod file;
mod read_dir;

use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};

pub use file::File;
pub use read_dir::ReadDir;
pub use std::fs::{DirEntry, OpenOptions};

/// Runs `f` on the blocking pool; a panic in it (a bug) becomes an error.
async fn on_pool<T: Send + 'static>(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    crate::spawn_blocking(f).await.map_err(io::Error::other)?
}

/// Reads the whole file at `path`.
///
/// # Errors
/// As [`std::fs::read`]: `NotFound`, `PermissionDenied`, ...
///
/// # Cancel safety
/// Dropping the future lets the read finish on its thread, unseen.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let err = grove::fs::read("/nonexistent/file").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    on_pool(move || std::fs::read(path)).await
}

/// Reads the whole file at `path` as UTF-8.
///
/// # Errors
/// As [`std::fs::read_to_string`]; `InvalidData` if it is not UTF-8.
///
/// # Cancel safety
/// Dropping the future lets the read finish on its thread, unseen.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let manifest = grove::fs::read_to_string("Cargo.toml").await?;
///     assert!(manifest.contains("[package]"));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    on_pool(move || std::fs::read_to_string(path)).await
}

/// Writes `contents` to the file at `path`, creating it or truncating it.
///
/// # Errors
/// As [`std::fs::write`].
///
/// # Cancel safety
/// Dropping the future does not stop the write: it finishes on its
/// thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let path = std::env::temp_dir().join(format!("grove-write-doc-{}", std::process::id()));
///     grove::fs::write(&path, b"bytes").await?;
///     assert_eq!(grove::fs::read(&path).await?, b"bytes");
///     grove::fs::remove_file(&path).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let (path, contents) = (path.as_ref().to_owned(), contents.as_ref().to_owned());
    on_pool(move || std::fs::write(path, contents)).await
}

/// The metadata of `path`, following symbolic links.
///
/// # Errors
/// As [`std::fs::metadata`].
///
/// # Cancel safety
/// Dropping the future loses nothing.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     assert!(grove::fs::metadata("src").await?.is_dir());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    on_pool(move || std::fs::metadata(path)).await
}

/// Creates the directory `path` and any missing parents.
///
/// # Errors
/// As [`std::fs::create_dir_all`].
///
/// # Cancel safety
/// Dropping the future does not stop it: it finishes on its thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let dir = std::env::temp_dir().join(format!("grove-mkdir-doc-{}/a/b", std::process::id()));
///     grove::fs::create_dir_all(&dir).await?;
///     assert!(grove::fs::metadata(&dir).await?.is_dir());
///     std::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    on_pool(move || std::fs::create_dir_all(path)).await
}

/// Removes the file at `path`.
///
/// # Errors
/// As [`std::fs::remove_file`].
///
/// # Cancel safety
/// Dropping the future does not stop it: it finishes on its thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let err = grove::fs::remove_file("/nonexistent/file").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    on_pool(move || std::fs::remove_file(path)).await
}

/// Renames `from` to `to`, replacing `to` if it is a file.
///
/// # Errors
/// As [`std::fs::rename`].
///
/// # Cancel safety
/// Dropping the future does not stop it: it finishes on its thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let dir = std::env::temp_dir();
///     let (from, to) = (dir.join(format!("grove-mv-a-{}", std::process::id())), dir.join(format!("grove-mv-b-{}", std::process::id())));
///     grove::fs::write(&from, "moved").await?;
///     grove::fs::rename(&from, &to).await?;
///     assert_eq!(grove::fs::read_to_string(&to).await?, "moved");
///     grove::fs::remove_file(&to).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to): (PathBuf, PathBuf) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    on_pool(move || std::fs::rename(from, to)).await
}

/// The entries of the directory `path`, as a stream read on the pool in
/// batches.
///
/// # Errors
/// As [`std::fs::read_dir`]; errors on single entries come from the
/// stream.
///
/// # Cancel safety
/// Dropping the future loses nothing.
///
/// # Examples
///
/// ```
/// use futures::TryStreamExt;
///
/// grove::run(async {
///     let names: Vec<_> = grove::fs::read_dir("src")
///         .await?
///         .map_ok(|entry| entry.file_name())
///         .try_collect()
///         .await?;
///     assert!(names.iter().any(|name| name == "lib.rs"));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    on_pool(move || std::fs::read_dir(path)).await.map(ReadDir::new)
}
