//! The tokio peers' accept: an error (out of descriptors, say) pauses while
//! connections close and tries again, as grove's accept does, rather than
//! end the server.

use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The next connection on `listener`.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}
