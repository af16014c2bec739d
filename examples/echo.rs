//! A TCP echo server: every connection gets back what it sends.
//!
//! Run it with `cargo run --example echo [ADDR]` (default 127.0.0.1:7000),
//! then `nc 127.0.0.1 7000` in another terminal.

use grove::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:7000".to_owned());
    grove::run(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("echo listening on {}", listener.local_addr()?);
        loop {
            let (stream, peer) = listener.accept().await?;
            grove::spawn(async move {
                let (mut reader, mut writer) = (&stream, &stream);
                match futures::io::copy(&mut reader, &mut writer).await {
                    Ok(bytes) => eprintln!("{peer}: echoed {bytes} bytes"),
                    Err(e) => eprintln!("{peer}: {e}"),
                }
            });
        }
    })
}
