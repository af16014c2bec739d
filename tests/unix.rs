//! Unix sockets: stream echo by path and by abstract name, datagrams.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::{UnixDatagram, UnixListener, UnixStream};
use util::TempDir;

mod util;

/// Serves an echo on `listener`, and checks that 20 clients, connected by
/// `connect`, each get their bytes back.
async fn echo_round(listener: UnixListener, connect: impl Fn() -> grove::JoinHandle<std::io::Result<UnixStream>>) {
    let server = grove::spawn(async move {
        loop {
            let (conn, peer) = listener.accept().await.unwrap();
            assert!(peer.is_unnamed());
            grove::spawn(async move {
                let (mut reader, mut writer) = conn.into_split();
                futures::io::copy(&mut reader, &mut writer).await.unwrap();
                writer.close().await.unwrap();
            });
        }
    });
    let clients: Vec<_> = (0..20u8)
        .map(|n| {
            let connecting = connect();
            grove::spawn(async move {
                let mut stream = connecting.await.unwrap().unwrap();
                let message = vec![n; 1000 + n as usize * 1000];
                stream.write_all(&message).await.unwrap();
                stream.close().await.unwrap();
                let mut echoed = Vec::new();
                stream.read_to_end(&mut echoed).await.unwrap();
                assert_eq!(echoed, message);
            })
        })
        .collect();
    for client in grove::joinall(clients).await {
        client.unwrap();
    }
    server.kill();
}

#[test]
fn echo_over_a_path() {
    let dir = TempDir::new("unix-echo");
    let path = dir.join("socket");
    grove::run(async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
        let target = path.clone();
        echo_round(listener, move || {
            let target = target.clone();
            grove::spawn(async move { UnixStream::connect(target).await })
        })
        .await;
    });
}

#[test]
fn echo_over_an_abstract_address() {
    let name = format!("grove-test-abstract-{}", std::process::id());
    grove::run(async {
        let addr = SocketAddr::from_abstract_name(&name).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        assert_eq!(listener.local_addr().unwrap().as_abstract_name(), Some(name.as_bytes()));
        echo_round(listener, move || {
            let addr = addr.clone();
            grove::spawn(async move { UnixStream::connect_addr(&addr).await })
        })
        .await;
    });
}

#[test]
fn binding_a_taken_path_is_an_error() {
    let dir = TempDir::new("unix-taken");
    let path = dir.join("socket");
    grove::run(async {
        let _first = UnixListener::bind(&path).unwrap();
        let err = UnixListener::bind(&path).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    });
}

#[test]
fn connecting_to_nothing_is_refused() {
    let dir = TempDir::new("unix-refused");
    let path = dir.join("socket");
    grove::run(async {
        drop(UnixListener::bind(&path).unwrap()); // leaves the path
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_datagram_round_trip_by_path_and_by_abstract_name() {
    let dir = TempDir::new("unix-dgram");
    let path = dir.join("socket");
    let name = format!("grove-test-dgram-{}", std::process::id());
    grove::run(async {
        let server = UnixDatagram::bind(&path).unwrap();
        let abstract_addr = SocketAddr::from_abstract_name(&name).unwrap();
        let client = UnixDatagram::bind_addr(&abstract_addr).unwrap();

        client.send_to(b"request", &path).await.unwrap();
        let mut buf = [0; 64];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"request");
        assert_eq!(from.as_abstract_name(), Some(name.as_bytes()));

        server.send_to_addr(b"reply", &from).await.unwrap();
        let (n, from) = client.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"reply");
        assert_eq!(from.as_pathname(), Some(path.as_path()));
    });
}

#[test]
fn datagrams_keep_their_boundaries_and_order() {
    grove::run(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        let sender = grove::spawn(async move {
            for n in 0..1000u32 {
                a.send(&n.to_le_bytes()).await.unwrap();
            }
        });
        let mut buf = [0; 8];
        for n in 0..1000u32 {
            assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
            assert_eq!(u32::from_le_bytes(buf[..4].try_into().unwrap()), n);
        }
        sender.await.unwrap();
    });
}

/// Linux refuses a non-blocking Unix connect with EAGAIN while the
/// listener's backlog is full; a connect then waits for room rather than
/// fail with `WouldBlock`.
#[test]
fn connects_wait_while_the_backlog_is_full() {
    let dir = TempDir::new("unix-backlog");
    let path = dir.join("socket");
    grove::run(async {
        let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
        socket.bind(&socket2::SockAddr::unix(&path).unwrap()).unwrap();
        socket.listen(1).unwrap();
        let listener = UnixListener::from_std(socket.into()).unwrap();
        let clients: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                grove::spawn(async move { UnixStream::connect(&path).await.map(drop) })
            })
            .collect();
        grove::sleep(std::time::Duration::from_millis(50)).await; // the backlog fills
        for _ in 0..8 {
            let accepted = grove::timeout(std::time::Duration::from_secs(20), listener.accept()).await;
            assert!(matches!(accepted, Ok(Ok(_))), "{accepted:?}");
        }
        for client in grove::joinall(clients).await {
            assert!(matches!(client, Ok(Ok(()))), "{client:?}");
        }
    });
}

/// Sends `data` over `sock` with `fd` attached (`SCM_RIGHTS`).
fn send_with_descriptor(sock: &std::os::unix::net::UnixStream, data: &[u8], fd: std::os::fd::RawFd) {
    use std::os::fd::AsRawFd;
    let fd_len = std::mem::size_of::<std::os::fd::RawFd>() as u32;
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(fd_len) } as usize;
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: all zeroes is a valid `msghdr`; its pointers are set below
    // to `iov` and `control`, which outlive the `sendmsg` call, and the
    // one control header written fits the `space` bytes that
    // CMSG_SPACE asked for.
    let sent = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space;
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(fd_len) as usize;
        std::ptr::copy_nonoverlapping(&fd, libc::CMSG_DATA(header).cast(), 1);
        libc::sendmsg(sock.as_raw_fd(), &msg, 0)
    };
    assert_eq!(sent, data.len() as isize, "{}", std::io::Error::last_os_error());
}

/// A Unix stream read stops after a message that carried descriptors, with
/// more queued behind it. That short read must not drop the socket's
/// readiness as a short TCP read does, or the next read waits for an event
/// that never comes.
#[test]
fn a_read_cut_short_by_a_passed_descriptor_does_not_stall_the_next() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let (peer, ours) = std::os::unix::net::UnixStream::pair().unwrap();
    send_with_descriptor(&peer, b"hello", peer.as_raw_fd());
    (&peer).write_all(b"world").unwrap();
    grove::run(async move {
        let mut ours = UnixStream::from_std(ours).unwrap();
        // Let the loop take the readiness the registration reported, so
        // that no event is left to come.
        grove::sleep(std::time::Duration::from_millis(20)).await;
        let mut buf = [0; 64];
        let n = ours.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello", "the kernel no longer stops at a passed descriptor");
        let n = grove::timeout(std::time::Duration::from_secs(10), ours.read(&mut buf))
            .await
            .expect("the read after the short one waited for an event that never came")
            .unwrap();
        assert_eq!(&buf[..n], b"world");
    });
    drop(peer);
}

/// A non-blocking datagram socket bound at `path`, whose queue another
/// sender has filled with 6-byte datagrams; and how many it took.
fn full_receiver(path: &std::path::Path) -> (std::os::unix::net::UnixDatagram, usize) {
    let server = std::os::unix::net::UnixDatagram::bind(path).unwrap();
    server.set_nonblocking(true).unwrap();
    let filler = std::os::unix::net::UnixDatagram::unbound().unwrap();
    filler.set_nonblocking(true).unwrap();
    let mut queued = 0;
    while filler.send_to(b"filler", path).is_ok() {
        queued += 1;
    }
    assert!(queued > 0);
    (server, queued)
}

/// A sender not connected to a full receiver is not woken by the kernel
/// when the receiver makes room, and each refused try raises a new
/// writable event: its send must go through once there is room, without
/// spinning the loop meanwhile.
#[test]
fn a_send_to_a_full_receiver_waits_without_spinning_and_goes_through() {
    let dir = TempDir::new("unix-full");
    let path = dir.join("server.sock");
    let (server, queued) = full_receiver(&path);
    let rt = grove::Runtime::new().unwrap();
    rt.block_on(async move {
        let sender = UnixDatagram::unbound().unwrap();
        let sending = grove::spawn({
            let path = path.clone();
            async move { sender.send_to(b"late", &path).await }
        });
        let polls = grove::runtime::metrics().polls;
        grove::sleep(std::time::Duration::from_millis(300)).await;
        let spun = grove::runtime::metrics().polls - polls;
        assert!(spun < 100, "{spun} polls in 300 ms of waiting for room");
        assert!(!sending.is_finished(), "the server's queue is full");
        let mut buf = [0; 16];
        for _ in 0..queued {
            assert_eq!(server.recv(&mut buf).unwrap(), 6);
        }
        let sent = grove::timeout(std::time::Duration::from_secs(5), sending)
            .await
            .expect("the send never went through")
            .unwrap();
        assert_eq!(sent.unwrap(), 4);
        server.set_nonblocking(false).unwrap();
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"late");
    });
}

/// A `send_to` dropped while it waits for a full receiver sends nothing,
/// and the socket sends as usual afterwards.
#[test]
fn a_send_to_dropped_while_the_receiver_is_full_sends_nothing() {
    let dir = TempDir::new("unix-full-dropped");
    let path = dir.join("server.sock");
    let (server, queued) = full_receiver(&path);
    grove::run(async move {
        let sender = UnixDatagram::unbound().unwrap();
        let gave_up = grove::timeout(std::time::Duration::from_millis(50), sender.send_to(b"dropped", &path)).await;
        assert!(gave_up.is_err(), "the server's queue is full");
        let mut buf = [0; 16];
        for _ in 0..queued {
            let n = server.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"filler");
        }
        let left = server.recv(&mut buf).unwrap_err();
        assert_eq!(left.kind(), std::io::ErrorKind::WouldBlock, "the dropped send went out");
        assert_eq!(sender.send_to(b"after", &path).await.unwrap(), 5);
        server.set_nonblocking(false).unwrap();
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"after");
    });
}
