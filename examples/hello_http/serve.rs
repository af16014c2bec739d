//! One connection of the grove `hello_http` server.

use std::io;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::TcpStream;

use crate::conn::Conn;

/// Answers the requests of one connection, pipelined ones included, until
/// the client closes it, asks to, sends what is refused, or takes longer
/// than `head_timeout` to send a head (or to move a body along) or to take
/// an answer (a client that pipelines requests and never reads).
pub async fn serve(mut stream: TcpStream, head_timeout: Duration) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut conn = Conn::new(Instant::now(), head_timeout);
    loop {
        let wait = conn.deadline().saturating_duration_since(Instant::now());
        let Ok(read) = grove::timeout(wait, stream.read(conn.spare())).await else {
            send(&mut stream, conn.timed_out(), head_timeout).await?;
            return stream.close().await;
        };
        let n = read?;
        if n == 0 {
            return Ok(());
        }
        let (answers, close) = conn.received(n, Instant::now());
        send(&mut stream, answers, head_timeout).await?;
        if close {
            return stream.close().await;
        }
    }
}

/// Writes `bytes`, giving up with `TimedOut` if the client takes longer
/// than `limit` to take them.
async fn send(stream: &mut TcpStream, bytes: &[u8], limit: Duration) -> io::Result<()> {
    grove::timeout(limit, stream.write_all(bytes))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading"))?
}
