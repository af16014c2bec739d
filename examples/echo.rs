//! An echo server: every connection gets back what it sends, over TCP or a
//! Unix socket.
//!
//! ```sh
//! cargo run --example echo                      # TCP on 127.0.0.1:7000
//! cargo run --example echo -- 0.0.0.0:7001      # TCP on another address
//! cargo run --example echo -- --unix /tmp/echo.sock
//! ```
//!
//! Then `nc 127.0.0.1 7000`, or `nc -U /tmp/echo.sock`, in another
//! terminal. Each connection's byte count is printed when it closes.
//! Ctrl-C stops the server; in Unix mode it removes the socket's path.

use std::future::Future;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::pin::pin;

use futures::future::{self, Either};
use futures::{AsyncRead, AsyncWrite};
use grove::net::{TcpListener, UnixListener};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    grove::run(async {
        match args[..] {
            [] => serve_tcp("127.0.0.1:7000").await,
            ["--unix", path] => serve_unix(PathBuf::from(path)).await,
            [addr] if !addr.starts_with('-') => serve_tcp(addr).await,
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "usage: echo [ADDR] | echo --unix PATH",
            )),
        }
    })
}

async fn serve_tcp(addr: &str) -> io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    eprintln!("echo listening on {}", listener.local_addr()?);
    until_ctrl_c(async {
        loop {
            let (stream, peer) = listener.accept().await?;
            grove::spawn(echo(stream, peer.to_string()));
        }
    })
    .await
}

async fn serve_unix(path: PathBuf) -> io::Result<()> {
    // A socket left by a server that is gone refuses connections: only
    // then is it safe to take its path over. Anything else stays.
    let is_socket = std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_socket());
    if is_socket && std::os::unix::net::UnixStream::connect(&path).is_err() {
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    eprintln!("echo listening on {}", path.display());
    let served = until_ctrl_c(async {
        for n in 1.. {
            let (stream, _) = listener.accept().await?;
            grove::spawn(echo(stream, format!("unix connection {n}")));
        }
        unreachable!("a u64 of connections")
    })
    .await;
    std::fs::remove_file(&path)?;
    served
}

/// Runs `serve` until it fails or Ctrl-C comes.
async fn until_ctrl_c(serve: impl Future<Output = io::Result<()>>) -> io::Result<()> {
    match future::select(pin!(serve), pin!(grove::signal::ctrl_c())).await {
        Either::Left((served, _)) => served,
        Either::Right((interrupted, _)) => {
            eprintln!("Ctrl-C: stopping");
            interrupted
        }
    }
}

/// Sends back everything the peer sends, until it closes its side.
async fn echo<S>(stream: S, peer: String)
where
    for<'a> &'a S: AsyncRead + AsyncWrite,
{
    let (mut reader, mut writer) = (&stream, &stream);
    match futures::io::copy(&mut reader, &mut writer).await {
        Ok(bytes) => eprintln!("{peer}: echoed {bytes} bytes"),
        Err(e) => eprintln!("{peer}: {e}"),
    }
}
