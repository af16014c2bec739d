//! TCP over the reactor: echo, many connections, errors, slot reuse.

mod util;

use std::io::ErrorKind;
use std::net::Shutdown;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::{TcpListener, TcpStream};

/// Starts an echo server on a fresh port and returns its address.
async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    grove::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            grove::spawn(async move {
                let (mut reader, mut writer) = (&stream, &stream);
                futures::io::copy(&mut reader, &mut writer).await.unwrap();
                writer.close().await.unwrap();
            });
        }
    });
    addr
}

#[test]
fn echo_of_one_mebibyte_is_byte_exact() {
    grove::run(async {
        let addr = echo_server().await;
        let data: Vec<u8> = (0..1 << 20)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let (mut reader, mut writer) = TcpStream::connect(addr).await.unwrap().into_split();
        let sent = data.clone();
        let sender = grove::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer.close().await.unwrap();
        });
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.unwrap();
        sender.await.unwrap();
        assert_eq!(back.len(), data.len());
        assert!(back == data, "the echo differs from what was sent");
    });
}

/// Raises the soft limit on open files to the hard limit, for tests that
/// hold many sockets.
fn raise_fd_limit() -> u64 {
    let mut limit = util::nofile();
    limit.rlim_cur = limit.rlim_max;
    util::set_nofile(limit);
    limit.rlim_cur
}

#[test]
fn a_thousand_concurrent_connections_all_echo_correctly() {
    // Each connection costs two descriptors here, one per end.
    assert!(raise_fd_limit() >= 2_200, "this test needs 2,200 open files");
    grove::run(async {
        let addr = echo_server().await;
        let clients: Vec<_> = (0..1000u32)
            .map(|i| {
                grove::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let message = format!("hello from client {i}");
                    // Everyone connects before anyone talks.
                    grove::sleep(Duration::from_millis(50)).await;
                    stream.write_all(message.as_bytes()).await.unwrap();
                    stream.close().await.unwrap();
                    let mut back = String::new();
                    stream.read_to_string(&mut back).await.unwrap();
                    back == message
                })
            })
            .collect();
        let results = grove::joinall(clients).await;
        assert_eq!(results.into_iter().filter(|r| *r.as_ref().unwrap()).count(), 1000);
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    grove::run(async {
        let (_held, refusing) = util::refusing_address();
        let err = TcpStream::connect(refusing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_peer_reset_mid_read_is_an_error_not_a_hang() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let reader = grove::spawn(async move {
            let mut buf = [0; 64];
            client.read(&mut buf).await
        });
        grove::sleep(Duration::from_millis(10)).await;
        // A zero linger time makes close send a reset instead of a FIN.
        socket2::SockRef::from(&server)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(server);
        let result = grove::timeout(Duration::from_secs(5), reader)
            .await
            .expect("the read hangs");
        assert_eq!(result.unwrap().unwrap_err().kind(), ErrorKind::ConnectionReset);
    });
}

#[test]
fn writing_to_a_closed_peer_is_an_error() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        socket2::SockRef::from(&server)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(server);
        grove::sleep(Duration::from_millis(10)).await;
        let mut result = Ok(());
        for _ in 0..100 {
            result = client.write_all(&[0; 65536]).await;
            if result.is_err() {
                break;
            }
        }
        let kind = result.unwrap_err().kind();
        assert!(
            matches!(kind, ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "{kind:?}"
        );
    });
}

/// A task waits to read, is killed, and a new socket takes its reactor
/// slot: over many rounds, the new reader gets exactly its own socket's
/// data, with the old peer's traffic sent just before it.
#[test]
fn a_reused_slot_never_wakes_the_killed_reader() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for round in 0..200u32 {
            let old = TcpStream::connect(addr).await.unwrap();
            let (old_peer, _) = listener.accept().await.unwrap();
            let killed = grove::spawn(async move {
                let mut buf = [0; 16];
                (&old).read(&mut buf).await.map(|n| buf[..n].to_vec())
            });
            grove::yield_now().await;
            killed.kill();
            assert!(killed.await.unwrap_err().is_killed());
            // The killed task's socket is gone; this one takes its slot.
            let new = TcpStream::connect(addr).await.unwrap();
            let (mut new_peer, _) = listener.accept().await.unwrap();
            let reader = grove::spawn(async move {
                let mut buf = [0; 16];
                let n = (&new).read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            grove::yield_now().await;
            let _ = (&old_peer).write_all(b"stale").await;
            new_peer.write_all(&round.to_be_bytes()).await.unwrap();
            let got = grove::timeout(Duration::from_secs(5), reader)
                .await
                .expect("the reader hangs");
            assert_eq!(got.unwrap(), round.to_be_bytes());
            old_peer.shutdown(Shutdown::Both).ok();
        }
    });
}

#[test]
fn localhost_by_name_resolves_and_connects() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stream = TcpStream::connect(format!("localhost:{port}")).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap().port(), port);
    });
}

#[test]
fn a_name_that_does_not_resolve_is_an_error() {
    grove::run(async {
        assert!(TcpStream::connect("no-such-host.invalid:80").await.is_err());
        let err = TcpStream::connect("no port here").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    });
}

#[test]
fn connect_timeout_elapses_against_a_full_backlog() {
    grove::run(async {
        // A listener with the smallest backlog that never accepts: once its
        // queue is full the kernel drops new handshakes, and a connect
        // waits until its timeout.
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())
            .unwrap();
        socket.listen(0).unwrap();
        let addr = socket.local_addr().unwrap().as_socket().unwrap();
        let mut held = Vec::new();
        let mut timed_out = false;
        for _ in 0..16 {
            match TcpStream::connect_timeout(addr, Duration::from_millis(200)).await {
                Ok(stream) => held.push(stream),
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
                    timed_out = true;
                    break;
                }
            }
        }
        assert!(timed_out, "{} connections got through a backlog of 0", held.len());
    });
}

#[test]
fn incoming_yields_connections_and_bind_reuseport_shares_a_port() {
    use futures::StreamExt;
    grove::run(async {
        let first = TcpListener::bind_reuseport("127.0.0.1:0").await.unwrap();
        let addr = first.local_addr().unwrap();
        let second = TcpListener::bind_reuseport(addr).await.unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        drop(second);
        let clients = grove::spawn(async move {
            for _ in 0..5 {
                TcpStream::connect(addr).await.unwrap();
            }
        });
        let accepted: Vec<_> = first.incoming().take(5).collect().await;
        assert!(accepted.iter().all(Result::is_ok));
        clients.await.unwrap();
    });
}

#[test]
fn binding_a_port_in_use_is_an_error() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = TcpListener::bind(listener.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
fn stream_options_and_addresses() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.local_addr().unwrap(), client.peer_addr().unwrap());
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_nodelay(false).unwrap();
        assert!(!client.nodelay().unwrap());
    });
}

/// Data and the end of stream reported in one event: after a read that
/// drains the data, the next read must see the end of stream without
/// waiting for an event that will not come.
#[test]
fn a_short_read_before_the_end_of_stream_does_not_hang() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        server.write_all(b"last words").await.unwrap();
        drop(server);
        grove::sleep(Duration::from_millis(20)).await;
        let mut buf = [0; 64];
        assert_eq!(client.read(&mut buf).await.unwrap(), 10);
        let end = grove::timeout(Duration::from_secs(5), client.read(&mut buf)).await;
        assert_eq!(end.expect("the end of stream was lost").unwrap(), 0);
    });
}

/// Urgent (out-of-band) data stops a read short at its mark with more data
/// queued behind it: the next read must get that data without waiting for
/// the peer to send anything else.
#[test]
fn urgent_data_does_not_stall_the_reads_after_it() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let sock = socket2::SockRef::from(&client);
        sock.send(b"before").unwrap();
        sock.send_out_of_band(b"!").unwrap();
        sock.send(b"after").unwrap();
        grove::sleep(Duration::from_millis(20)).await;
        let mut got = Vec::new();
        let mut buf = [0; 64];
        while got.len() < b"beforeafter".len() {
            let n = grove::timeout(Duration::from_secs(2), server.read(&mut buf))
                .await
                .expect("a read stalled after urgent data")
                .unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"beforeafter");
        drop(client);
    });
}

/// A vectored read into more buffers than the kernel takes in one call
/// (1024) comes back short with data still queued: the next read must get
/// it without waiting for the peer to send anything else.
#[test]
fn a_read_into_more_buffers_than_one_call_takes_does_not_stall_the_next() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        std::io::Write::write_all(&mut &client, &[7; 4000]).unwrap();
        grove::sleep(Duration::from_millis(20)).await;
        let mut bytes = [0u8; 2000];
        let mut bufs: Vec<_> = bytes.chunks_mut(1).map(std::io::IoSliceMut::new).collect();
        let first = server.read_vectored(&mut bufs).await.unwrap();
        assert!(first > 0 && first <= 1024, "read {first} bytes into 1-byte buffers");
        let mut rest = vec![0; 4000];
        let mut got = first;
        while got < 4000 {
            got += grove::timeout(Duration::from_secs(5), server.read(&mut rest))
                .await
                .expect("the read after a long vectored one stalled")
                .unwrap();
        }
        assert_eq!(got, 4000);
        drop(client);
    });
}

/// An accept dropped mid-wait loses no connection: the one that arrives
/// afterwards is still there for the next accept.
#[test]
fn accept_dropped_mid_wait_loses_no_connection() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gave_up = grove::timeout(Duration::from_millis(10), listener.accept()).await;
        assert!(gave_up.is_err(), "nothing was connecting yet");
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, peer) = grove::timeout(Duration::from_secs(5), listener.accept())
            .await
            .expect("the connection was lost with the dropped accept")
            .unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    });
}

/// A read dropped mid-wait loses no data: the bytes that arrive afterwards
/// go to the next read, whichever task makes it.
#[test]
fn a_read_dropped_mid_wait_loses_no_data() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let mut buf = [0; 16];
        let gave_up = grove::timeout(Duration::from_millis(10), (&client).read(&mut buf)).await;
        assert!(gave_up.is_err(), "nothing was sent yet");
        server.write_all(b"kept").await.unwrap();
        let reader = grove::spawn(async move {
            let mut buf = [0; 16];
            let n = (&client).read(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        let got = grove::timeout(Duration::from_secs(5), reader)
            .await
            .expect("the data was lost");
        assert_eq!(got.unwrap(), b"kept");
    });
}

/// A write dropped while it waits for room in a full socket buffer moved
/// nothing: the peer gets exactly the bytes of the writes that completed,
/// and the stream goes on working.
#[test]
fn a_write_dropped_mid_wait_writes_nothing() {
    use futures::FutureExt;
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let chunk = vec![1u8; 64 * 1024];
        let mut written = 0;
        // Write until a write has to wait; that one is dropped mid-wait.
        while let Some(n) = client.write(&chunk).now_or_never() {
            written += n.unwrap();
            assert!(written < 1 << 30, "the socket buffer never filled");
        }
        let reader = grove::spawn(async move {
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            got
        });
        client.write_all(b"end").await.unwrap();
        client.close().await.unwrap();
        let got = grove::timeout(Duration::from_secs(10), reader)
            .await
            .expect("the stream stalled")
            .unwrap();
        assert_eq!(got.len(), written + 3);
        assert!(got[..written].iter().all(|&b| b == 1));
        assert_eq!(&got[written..], b"end");
    });
}

/// A write to a peer that is gone is an error, not SIGPIPE, which would
/// kill a host that keeps SIGPIPE's default action (Rust programs ignore
/// it): a vectored one on TCP, a plain one on a Unix stream. Run in a child
/// process with the default action back.
#[test]
fn a_write_to_a_gone_peer_is_an_error_not_sigpipe() {
    const NAME: &str = "a_write_to_a_gone_peer_is_an_error_not_sigpipe";
    if std::env::var_os("GROVE_SIGPIPE_CHILD").is_none() {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--test-threads", "1"])
            .env("GROVE_SIGPIPE_CHILD", "1")
            .output()
            .unwrap();
        assert!(
            child.status.success(),
            "the child died: {:?}\n{}",
            child.status,
            String::from_utf8_lossy(&child.stdout)
        );
        return;
    }
    // SAFETY: this child process runs only this test; putting SIGPIPE's
    // default action back affects nothing else.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop(server);
        let bufs = [std::io::IoSlice::new(b"one"), std::io::IoSlice::new(b"two")];
        // The first writes may still go out and draw a reset; a later one
        // meets the closed peer.
        let mut failed = None;
        for _ in 0..200 {
            if let Err(e) = client.write_vectored(&bufs).await {
                failed = Some(e);
                break;
            }
            grove::sleep(Duration::from_millis(5)).await;
        }
        let e = failed.expect("writes to a closed peer kept succeeding");
        assert!(
            matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{e}"
        );
        let (mut ours, theirs) = grove::net::UnixStream::pair().unwrap();
        drop(theirs);
        let e = ours.write(b"anyone?").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "{e}");
    });
}

/// A vectored write into more buffers than one call takes (1,024) writes
/// what fits in one call, as `writev` does, instead of failing.
#[test]
fn a_vectored_write_of_more_buffers_than_one_call_takes_is_short() {
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (_server, _) = listener.accept().await.unwrap();
        let bytes = [7u8; 2000];
        let bufs: Vec<_> = bytes.chunks(1).map(std::io::IoSlice::new).collect();
        let n = client.write_vectored(&bufs).await.unwrap();
        assert!(n > 0 && n <= 1024, "wrote {n}");
    });
}
