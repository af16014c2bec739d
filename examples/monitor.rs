//! Seeing inside the loop: a fetcher in which one task blocks the thread
//! by mistake, and the blocked-loop monitor names it while it blocks.
//!
//! ```sh
//! cargo run --example monitor
//! ```
//!
//! Round one: ten tasks fetch pages from a local server, and one of them
//! "post-processes" its page with `std::thread::sleep(300 ms)`, which
//! stalls every task. The monitor prints, on stderr, the task's name and
//! where it was spawned, while the stall goes on, and again when it ends.
//! Round two moves that job to `spawn_blocking`, and the monitor is quiet.
//! At the end the program prints a task dump and the runtime's metrics.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::{TcpListener, TcpStream};

/// The most a request or response may take up; more is refused.
const MAX_MESSAGE: usize = 64 * 1024;
/// How long any one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The post-processing that blocks the thread.
const SLOW_JOB: Duration = Duration::from_millis(300);

fn main() -> io::Result<()> {
    let rt = grove::Runtime::builder()
        .max_blocking_time(Duration::from_millis(100))
        .task_dump(true)
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = grove::task::Builder::new().name("server").spawn(serve(listener));

        println!("round 1: one task calls std::thread::sleep({SLOW_JOB:?}) on the loop");
        let started = Instant::now();
        fetch_all(addr, false).await;
        println!("round 1 took {:?}\n", started.elapsed());

        println!("round 2: the same job on spawn_blocking; the monitor stays quiet");
        let started = Instant::now();
        fetch_all(addr, true).await;
        println!("round 2 took {:?}\n", started.elapsed());

        print!("{}", grove::runtime::tasks());
        server.kill();
        assert!(server.await.is_err_and(|e| e.is_killed()));
        Ok::<(), io::Error>(())
    })?;
    println!("\n{:#?}", rt.metrics());
    Ok(())
}

/// Fetches ten pages at once; the page of task 3 gets slow treatment, on
/// the loop or on the blocking pool.
async fn fetch_all(addr: SocketAddr, offload: bool) {
    let tasks: Vec<_> = (0..10)
        .map(|n| {
            let name = format!("fetch /{n}");
            grove::task::Builder::new().name(name).spawn(async move {
                let body = grove::timeout(FETCH_TIMEOUT, get(addr, n)).await??;
                if n == 3 {
                    let job = move || {
                        std::thread::sleep(SLOW_JOB); // a blocking call, by mistake
                        body.len()
                    };
                    return if offload {
                        grove::spawn_blocking(job).await.map_err(io::Error::other)
                    } else {
                        Ok(job())
                    };
                }
                Ok::<_, io::Error>(body.len())
            })
        })
        .collect();
    for (n, result) in grove::joinall(tasks).await.into_iter().enumerate() {
        match result.map_err(io::Error::other).and_then(|r| r) {
            Ok(bytes) => println!("  /{n}: {bytes} bytes"),
            Err(e) => println!("  /{n}: failed: {e}"),
        }
    }
}

/// `GET /n` over a fresh connection: the body, checked against its
/// `Content-Length`.
async fn get(addr: SocketAddr, n: usize) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /{n} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let message = read_capped(&mut stream).await?;
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head) = response.parse(&message).map_err(io::Error::other)? else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "truncated response head"));
    };
    if response.code != Some(200) {
        return Err(io::Error::other(format!("status {:?}", response.code)));
    }
    let length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no Content-Length"))?;
    let body = &message[head..];
    if body.len() != length {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "body length mismatch"));
    }
    Ok(body.to_vec())
}

/// Reads until the peer closes, refusing more than [`MAX_MESSAGE`] bytes.
async fn read_capped(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut message = Vec::new();
    let read = stream.take(MAX_MESSAGE as u64 + 1).read_to_end(&mut message).await?;
    if read > MAX_MESSAGE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "message too large"));
    }
    Ok(message)
}

/// Serves `GET /n` with a page of `1000 * (n + 1)` bytes, one task per
/// connection.
async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut conn, _)) = listener.accept().await else {
            continue;
        };
        grove::spawn(async move {
            let reply = grove::timeout(FETCH_TIMEOUT, respond(&mut conn)).await;
            if let Ok(Err(e)) = reply {
                eprintln!("server: {e}");
            }
        });
    }
}

async fn respond(conn: &mut TcpStream) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    let page = loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&head).map_err(io::Error::other)? {
            httparse::Status::Complete(_) => {
                let path = request.path.unwrap_or("/");
                break path.trim_start_matches('/').parse::<usize>().unwrap_or(0);
            }
            httparse::Status::Partial if head.len() < MAX_MESSAGE => {}
            httparse::Status::Partial => return Err(io::Error::other("request head too large")),
        }
    };
    let body = "x".repeat(1000 * (page.min(20) + 1));
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(reply.as_bytes()).await?;
    conn.close().await
}
