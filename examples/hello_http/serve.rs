//! One connection of the grove `hello_http` server.

use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::net::TcpStream;

use crate::conn::Conn;

/// Answers the requests of one connection, pipelined ones included, until
/// the client closes it, asks to, sends what is refused, or takes longer
/// than `head_timeout` to send a head (or to move a body along).
pub async fn serve(mut stream: TcpStream, head_timeout: Duration) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut conn = Conn::new(Instant::now(), head_timeout);
    loop {
        let wait = conn.deadline().saturating_duration_since(Instant::now());
        let Ok(read) = grove::timeout(wait, stream.read(conn.spare())).await else {
            stream.write_all(conn.timed_out()).await?;
            return stream.close().await;
        };
        let n = read?;
        if n == 0 {
            return Ok(());
        }
        let (answers, close) = conn.received(n, Instant::now());
        stream.write_all(answers).await?;
        if close {
            return stream.close().await;
        }
    }
}
