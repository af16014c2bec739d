//! The reactor, proved over Unix socket pairs and pipes.

use std::cell::Cell;
use std::future::Future;
use std::io::{Read, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::io::Async;
use mio::net::UnixStream;

#[test]
fn tasks_talk_over_a_socket_pair() {
    grove::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
        let echo = grove::spawn(async move {
            let mut buf = [0; 5];
            b.read_exact(&mut buf).await.unwrap();
            b.write_all(&buf).await.unwrap();
        });
        a.write_all(b"hello").await.unwrap();
        let mut back = [0; 5];
        a.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hello");
        echo.await.unwrap();
    });
}

#[test]
fn a_writer_blocked_on_a_full_buffer_resumes_when_the_reader_drains() {
    const TOTAL: usize = 8 << 20;
    grove::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
        let writer = grove::spawn(async move {
            let chunk: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
            for _ in 0..TOTAL / chunk.len() {
                a.write_all(&chunk).await.unwrap();
            }
        });
        let mut received = Vec::with_capacity(TOTAL);
        let mut buf = vec![0; 100_000];
        while received.len() < TOTAL {
            let n = b.read(&mut buf).await.unwrap();
            received.extend_from_slice(&buf[..n]);
        }
        writer.await.unwrap();
        assert!(
            received
                .chunks(65536)
                .all(|c| c.iter().enumerate().all(|(i, &x)| x == (i % 251) as u8))
        );
    });
}

#[test]
fn no_edge_is_lost_while_another_thread_writes() {
    // The writer is an OS thread, so its bytes arrive at any moment, also
    // between a read's WouldBlock and the waker being stored. A lost edge
    // would leave the reader waiting forever: the timeout turns that into a
    // failure.
    const MESSAGES: usize = 20_000;
    let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
    reader.set_nonblocking(true).unwrap();
    let thread = std::thread::spawn(move || {
        for i in 0..MESSAGES {
            writer.write_all(&(i as u32).to_le_bytes()).unwrap();
            if i % 7 == 0 {
                std::thread::yield_now();
            }
        }
    });
    let received = grove::run(async move {
        let mut reader = Async::new(UnixStream::from_std(reader)).unwrap();
        let read_all = async {
            let mut bytes = Vec::new();
            let mut buf = [0; 64];
            while bytes.len() < MESSAGES * 4 {
                let n = reader.read(&mut buf).await.unwrap();
                assert!(n > 0, "unexpected end of stream");
                bytes.extend_from_slice(&buf[..n]);
            }
            bytes
        };
        grove::timeout(Duration::from_secs(60), read_all)
            .await
            .expect("a readiness edge was lost")
    });
    thread.join().unwrap();
    let numbers: Vec<u32> = received
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(numbers, (0..MESSAGES as u32).collect::<Vec<_>>());
}

#[test]
fn a_pipe_carries_bytes_and_reports_the_end() {
    grove::run(async {
        let (tx, rx) = mio::unix::pipe::new().unwrap();
        let (mut tx, mut rx) = (Async::new(tx).unwrap(), Async::new(rx).unwrap());
        let writer = grove::spawn(async move {
            tx.write_all(b"through the pipe").await.unwrap();
            // Dropping the sender closes the pipe.
        });
        let mut text = String::new();
        rx.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "through the pipe");
        writer.await.unwrap();
    });
}

#[test]
fn a_peer_hangup_ends_a_pending_read() {
    grove::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut b = Async::new(b).unwrap();
        let reader = grove::spawn(async move {
            let mut buf = [0; 8];
            b.read(&mut buf).await
        });
        grove::yield_now().await; // the reader parks
        drop(a);
        assert_eq!(reader.await.unwrap().unwrap(), 0);
    });
}

/// Counts the polls of the future it wraps.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Rc<Cell<u32>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

#[test]
fn an_event_for_a_dropped_source_does_not_wake_the_new_owner_of_its_slot() {
    let rt = grove::Runtime::new().unwrap();
    let (old, old_peer) = UnixStream::pair().unwrap();
    let old = rt.block_on(async { Async::new(old).unwrap() });
    // Make the old source ready, so an event for its token is pending...
    (&old_peer).write_all(b"stale").unwrap();
    // ...then drop it: the next registration reuses its slab slot.
    drop(old);
    let (new, new_peer) = UnixStream::pair().unwrap();
    let polls = Rc::new(Cell::new(0));
    let new = rt.block_on(async { Async::new(new).unwrap() });
    let reader = CountPolls {
        inner: Box::pin(async move {
            let mut buf = [0; 8];
            new.read_with(|mut s| s.read(&mut buf)).await
        }),
        polls: polls.clone(),
    };
    let task = grove::spawn(reader);
    rt.run_until_stalled();
    assert_eq!(polls.get(), 1, "the reader ran once and parked");
    for _ in 0..3 {
        rt.turn(Duration::from_millis(5));
    }
    assert_eq!(polls.get(), 1, "nothing woke the new source's reader");
    (&new_peer).write_all(b"fresh").unwrap();
    rt.turn(Duration::from_secs(5));
    assert_eq!(polls.get(), 2);
    assert!(task.is_finished());
    drop(old_peer);
}

#[test]
fn a_source_used_outside_its_runtime_is_an_error() {
    let (a, _b) = UnixStream::pair().unwrap();
    let first = grove::Runtime::new().unwrap();
    let mut a = first.block_on(async { Async::new(a).unwrap() });
    let second = grove::Runtime::new().unwrap();
    // `second` is now driven on this thread, but `a` belongs to `first`.
    let err = second.block_on(async { a.write(b"x").await.unwrap_err() });
    assert!(err.to_string().contains("outside the runtime"), "{err}");
}

#[test]
fn a_yield_loop_does_not_starve_io() {
    let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
    reader.set_nonblocking(true).unwrap();
    grove::run(async move {
        let mut reader = Async::new(UnixStream::from_std(reader)).unwrap();
        let got = Rc::new(Cell::new(false));
        let flag = got.clone();
        let read = grove::spawn(async move {
            let mut buf = [0; 4];
            reader.read_exact(&mut buf).await.unwrap();
            flag.set(true);
            buf
        });
        grove::yield_now().await; // the reader parks on the empty socket
        // Bytes arrive from outside while this task never stops yielding:
        // only the reactor can wake the reader.
        let thread = std::thread::spawn(move || writer.write_all(b"data").unwrap());
        let mut spins: u64 = 0;
        while !got.get() {
            grove::yield_now().await;
            spins += 1;
            assert!(spins < 100_000_000, "the reader was starved");
        }
        thread.join().unwrap();
        assert_eq!(&read.await.unwrap(), b"data");
    });
}

#[test]
fn regression_two_readers_of_one_source_are_both_woken() {
    grove::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let b = Rc::new(Async::new(b).unwrap());
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let b = b.clone();
                grove::spawn(async move {
                    let mut byte = [0; 1];
                    b.read_with(|mut s| s.read(&mut byte)).await.unwrap();
                    byte[0]
                })
            })
            .collect();
        grove::yield_now().await; // both park on the empty socket
        (&a).write_all(b"xy").unwrap();
        let got = grove::timeout(Duration::from_secs(30), grove::joinall(readers))
            .await
            .expect("a reader was lost");
        let mut got: Vec<u8> = got.into_iter().map(Result::unwrap).collect();
        got.sort_unstable();
        assert_eq!(got, b"xy");
    });
}

/// Flushing a socket has nothing to wait for: a flush while the send
/// buffer is full (a write just gave up on it) completes at once, and so
/// does a close, which is a flush for a plain `Async`.
#[test]
fn a_flush_does_not_wait_for_room_in_a_full_send_buffer() {
    grove::run(async {
        let (a, _b) = UnixStream::pair().unwrap();
        let mut a = Async::new(a).unwrap();
        let chunk = [7u8; 64 << 10];
        let full = grove::timeout(Duration::from_millis(50), async {
            loop {
                a.write_all(&chunk).await.unwrap();
            }
        })
        .await;
        assert!(full.is_err(), "the peer reads nothing, so the buffer fills");
        grove::timeout(Duration::from_secs(5), a.flush())
            .await
            .expect("the flush waited for room")
            .unwrap();
        grove::timeout(Duration::from_secs(5), a.close())
            .await
            .expect("the close waited for room")
            .unwrap();
    });
}

/// A socket that outlives `block_on`, or moves to another thread, and is
/// dropped there still gives its reactor slot back, at the runtime's next
/// turn.
#[test]
fn a_socket_dropped_away_from_its_runtime_gives_its_slot_back() {
    let rt = grove::Runtime::new().unwrap();
    let (here, there) = rt.block_on(async {
        let here = grove::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let there = grove::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(grove::runtime::metrics().io_sources, 2);
        (here, there)
    });
    drop(here);
    std::thread::spawn(move || drop(there)).join().unwrap();
    let left = rt.block_on(async {
        // A wait, so that the loop looks at what other threads sent.
        grove::sleep(std::time::Duration::from_millis(1)).await;
        grove::runtime::metrics().io_sources
    });
    assert_eq!(left, 0, "the sockets' slots were kept");
}

/// A source taken back with `into_inner` on another thread leaves its
/// runtime's poller there and then, so the runtime can take it again.
#[test]
fn a_source_taken_back_on_another_thread_can_be_registered_again() {
    let rt = grove::Runtime::new().unwrap();
    let socket = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let source = rt.block_on(async { Async::new(socket) }).unwrap();
    let socket = std::thread::spawn(move || source.into_inner()).join().unwrap();
    rt.block_on(async {
        let again = Async::new(socket).expect("the poller still held the socket");
        grove::sleep(Duration::from_millis(1)).await;
        assert_eq!(grove::runtime::metrics().io_sources, 1);
        drop(again);
    });
}
