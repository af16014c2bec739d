//! A keep-alive HTTP/1.1 server that answers every request with
//! `Hello, world!` (13 bytes): the server of the `wrk` benchmark
//! (`benches/http.sh`).
//!
//! ```sh
//! cargo run --release --example hello_http [ADDR] [--head-timeout SECS]
//! ```
//!
//! The address defaults to 127.0.0.1:8080; try `curl -v http://127.0.0.1:8080/`.
//! It frames requests properly (a body is read and dropped, never taken for
//! a request), caps what it accepts (answering `413` or `431` and closing),
//! and closes a connection whose head takes more than the head timeout
//! (10 s by default) to arrive, so that slow clients cannot hold it (see
//! `conn.rs`).

use std::time::Duration;

use grove::net::TcpListener;

mod conn;
mod serve;

fn main() -> std::io::Result<()> {
    let (addr, head_timeout) = parse_args()?;
    grove::run(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("hello_http listening on http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            grove::spawn(async move {
                if let Err(e) = serve::serve(stream, head_timeout).await {
                    eprintln!("connection error: {e}");
                }
            });
        }
    })
}

/// The address to listen on and the head timeout, from the command line.
fn parse_args() -> std::io::Result<(String, Duration)> {
    let usage = |what: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{what}; usage: hello_http [ADDR] [--head-timeout SECS]"),
        )
    };
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut head_timeout = conn::HEAD_TIMEOUT;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--head-timeout" {
            let secs = args.next().ok_or_else(|| usage("--head-timeout needs a value"))?;
            let secs: f64 = secs.parse().map_err(|_| usage("--head-timeout takes seconds"))?;
            head_timeout = Duration::try_from_secs_f64(secs).map_err(|_| usage("--head-timeout is out of range"))?;
        } else if arg.starts_with("--") {
            return Err(usage(&format!("unknown flag {arg}")));
        } else {
            addr = arg;
        }
    }
    Ok((addr, head_timeout))
}
