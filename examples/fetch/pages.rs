//! The pages of the local server: each page number has a known size and
//! content, so the client can check every byte it receives.

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::{TcpListener, TcpStream};

/// The size of page `n`: from 1 KiB to 33 KiB, different for neighbours.
pub fn size(n: u32) -> usize {
    1024 + (n as usize * 7919) % 32768
}

/// The body of page `n`: `size(n)` pseudo-random bytes seeded by `n`.
pub fn body(n: u32) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(n);
    (0..size(n))
        .map(|_| {
            // xorshift64: cheap, and every page differs.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// FNV-1a over `bytes`.
pub fn checksum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0x811c_9dc5, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Whether `received` is exactly page `n`.
pub fn verify(n: u32, received: &[u8]) -> bool {
    received.len() == size(n) && checksum(received) == checksum(&body(n))
}

/// The page number of a path `/page/N`.
pub fn number(path: &str) -> Option<u32> {
    path.strip_prefix("/page/")?.parse().ok()
}

/// Serves pages until the listener fails: `/page/N` with page N, sent with
/// `Content-Length` for even N and chunked for odd N, so the client meets
/// both; anything else gets a 404.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        grove::spawn(async move {
            if let Err(e) = answer(stream).await {
                eprintln!("local server: {e}");
            }
        });
    }
}

/// Answers one request and closes the connection.
async fn answer(mut stream: TcpStream) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0; 1024];
    let path = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&head) {
            Ok(httparse::Status::Complete(_)) => break request.path.unwrap_or("/").to_owned(),
            Ok(httparse::Status::Partial) if head.len() < 16 * 1024 => {}
            _ => {
                stream
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await?;
                return stream.close().await;
            }
        }
    };
    let Some(n) = number(&path) else {
        stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await?;
        return stream.close().await;
    };
    let body = body(n);
    let mut response = Vec::with_capacity(body.len() + 256);
    if n % 2 == 0 {
        response.extend_from_slice(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        response.extend_from_slice(&body);
    } else {
        response.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        );
        for chunk in body.chunks(4000) {
            response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            response.extend_from_slice(chunk);
            response.extend_from_slice(b"\r\n");
        }
        response.extend_from_slice(b"0\r\n\r\n");
    }
    stream.write_all(&response).await?;
    stream.close().await
}
