//! Files on the blocking pool: reads, writes, seeks, errors, and what a
//! cancelled read leaves behind.
#![cfg(feature = "blocking")]

use std::future::Future;
use std::io::SeekFrom;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, TryStreamExt};
use grove::fs::{self, File};
use util::TempDir;

mod util;

#[test]
fn the_free_functions_do_what_std_does() {
    let dir = TempDir::new("fs-functions");
    grove::run(async {
        let nested = dir.join("a/b");
        fs::create_dir_all(&nested).await.unwrap();
        let file = nested.join("one.txt");
        fs::write(&file, "one").await.unwrap();
        assert_eq!(fs::read(&file).await.unwrap(), b"one");
        assert_eq!(fs::metadata(&file).await.unwrap().len(), 3);
        let moved = nested.join("two.txt");
        fs::rename(&file, &moved).await.unwrap();
        assert_eq!(fs::read_to_string(&moved).await.unwrap(), "one");
        for n in 0..200 {
            fs::write(nested.join(format!("f{n}")), []).await.unwrap();
        }
        let names: Vec<_> = fs::read_dir(&nested)
            .await
            .unwrap()
            .map_ok(|entry| entry.file_name())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names.len(), 201, "every entry, across batches");
        fs::remove_file(&moved).await.unwrap();
        assert!(!moved.exists());
    });
}

#[test]
fn missing_files_are_clear_errors() {
    grove::run(async {
        let missing = "/nonexistent/grove/file";
        for err in [
            fs::read(missing).await.unwrap_err(),
            fs::metadata(missing).await.unwrap_err(),
            File::open(missing).await.unwrap_err(),
            fs::read_dir(missing).await.unwrap_err(),
        ] {
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        }
    });
}

#[test]
fn read_write_and_seek() {
    let dir = TempDir::new("fs-seek");
    let path = dir.join("data");
    grove::run(async {
        let mut file = File::create(&path).await.unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|n| n as u8).collect();
        file.write_all(&data).await.unwrap();
        assert_eq!(file.seek(SeekFrom::Start(10)).await.unwrap(), 10);
        file.write_all(b"XYZ").await.unwrap();
        assert_eq!(file.seek(SeekFrom::End(-5)).await.unwrap(), 299_995);
        file.flush().await.unwrap();
        drop(file);

        let mut file = File::open(&path).await.unwrap();
        let mut head = [0; 16];
        file.read_exact(&mut head).await.unwrap();
        assert_eq!(&head[10..13], b"XYZ");
        assert_eq!(head[13], 13);
        // Relative to what was returned, not to how far reading ahead went.
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 16);
        assert_eq!(file.seek(SeekFrom::Current(-6)).await.unwrap(), 10);
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest.len(), 300_000 - 10);
        assert_eq!(&rest[..3], b"XYZ");
        assert_eq!(rest[3..], data[13..]);
        assert_eq!(file.read(&mut head).await.unwrap(), 0, "at the end");
    });
}

#[test]
fn a_write_lands_where_the_reader_is() {
    let dir = TempDir::new("fs-write-after-read");
    let path = dir.join("data");
    std::fs::write(&path, b"0123456789").unwrap();
    grove::run(async {
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true);
        let mut file = File::open_with(&path, options).await.unwrap();
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap(); // the job read ahead
        file.write_all(b"ab").await.unwrap();
        file.flush().await.unwrap();
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"01ab456789");
}

/// Polls `future` once, with a waker that does nothing.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
}

/// A file of ten digits, opened, with a 4-byte read started on the
/// blocking pool and dropped before it returned.
async fn after_a_cancelled_read(path: &std::path::Path) -> File {
    std::fs::write(path, b"0123456789").unwrap();
    let mut file = File::open(path).await.unwrap();
    let mut first = [0; 4];
    assert!(poll_once(file.read(&mut first)).is_pending());
    file
}

#[test]
fn a_cancelled_read_gives_its_bytes_to_the_next_one() {
    let dir = TempDir::new("fs-cancel");
    grove::run(async {
        let mut file = after_a_cancelled_read(&dir.join("data")).await;
        grove::sleep(Duration::from_millis(20)).await; // the job may finish
        let mut all = Vec::new();
        file.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"0123456789", "no byte lost to the cancelled read");
    });
}

#[test]
fn a_seek_after_a_cancelled_read_counts_from_the_reader() {
    let dir = TempDir::new("fs-cancel-seek");
    grove::run(async {
        let mut file = after_a_cancelled_read(&dir.join("data")).await;
        // Nothing was returned, so the reader is still at 0.
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 0);
        assert_eq!(file.seek(SeekFrom::Current(3)).await.unwrap(), 3);
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "3456789");
    });
}

#[test]
fn a_seek_after_a_dropped_seek_goes_where_it_says() {
    let dir = TempDir::new("fs-cancel-seek-seek");
    let path = dir.join("data");
    std::fs::write(&path, b"0123456789").unwrap();
    grove::run(async {
        let mut file = File::open(&path).await.unwrap();
        assert!(poll_once(file.seek(SeekFrom::Start(7))).is_pending());
        assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "23456789");
    });
}

#[test]
fn sync_and_metadata_keep_the_bytes_read_ahead_and_see_pending_writes() {
    let dir = TempDir::new("fs-cancel-sync");
    grove::run(async {
        let mut file = after_a_cancelled_read(&dir.join("data")).await;
        file.sync_all().await.unwrap();
        let mut all = Vec::new();
        file.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"0123456789", "sync_all lost no read-ahead byte");
        let mut out = File::create(dir.join("out")).await.unwrap();
        out.write_all(b"abc").await.unwrap(); // not flushed
        assert_eq!(out.metadata().await.unwrap().len(), 3);
    });
}
