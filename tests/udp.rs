//! UDP over the reactor.

use grove::net::UdpSocket;

#[test]
fn udp_round_trip() {
    grove::run(async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let echo = grove::spawn(async move {
            let mut buf = [0; 1500];
            for _ in 0..10 {
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(addr).await.unwrap();
        let mut buf = [0; 1500];
        for i in 0..10u8 {
            let message = vec![i; 100 + usize::from(i)];
            assert_eq!(client.send(&message).await.unwrap(), message.len());
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &message[..]);
        }
        echo.await.unwrap();
    });
}

#[test]
fn send_to_a_name_resolves_it() {
    grove::run(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let other = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        other.send_to(b"by name", ("localhost", port)).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = socket.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"by name"[..], other.local_addr().unwrap()));
    });
}

/// Of several addresses, send_to picks one in the socket's own family: an
/// IPv6 address listed first does not fail an IPv4 socket's send.
#[test]
fn send_to_picks_an_address_in_the_sockets_family() {
    use std::net::SocketAddr;
    grove::run(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let targets: [SocketAddr; 2] = [
            format!("[::1]:{port}").parse().unwrap(),
            format!("127.0.0.1:{port}").parse().unwrap(),
        ];
        let other = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(other.send_to(b"v4", &targets[..]).await.unwrap(), 2);
        let mut buf = [0; 16];
        let (n, _) = socket.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"v4");
    });
}

#[test]
fn a_connected_socket_learns_of_a_closed_port() {
    grove::run(async {
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(closed).await.unwrap();
        socket.send(b"anyone?").await.unwrap();
        let mut buf = [0; 16];
        // Should a parallel test take the freed port, recv would wait.
        let err = grove::timeout(std::time::Duration::from_secs(10), socket.recv(&mut buf))
            .await
            .expect("no ICMP refusal came back")
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

/// A receive dropped mid-wait loses no datagram.
#[test]
fn recv_from_dropped_mid_wait_loses_no_datagram() {
    use std::time::Duration;
    grove::run(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let other = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0; 16];
        let gave_up = grove::timeout(Duration::from_millis(10), socket.recv_from(&mut buf)).await;
        assert!(gave_up.is_err(), "nothing was sent yet");
        other.send_to(b"kept", socket.local_addr().unwrap()).await.unwrap();
        let (n, from) = grove::timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
            .await
            .expect("the datagram was lost")
            .unwrap();
        assert_eq!((&buf[..n], from), (&b"kept"[..], other.local_addr().unwrap()));
    });
}
