//! A keep-alive HTTP/1.1 server that answers every request with
//! `Hello, world!` (13 bytes): the server of the `wrk` benchmark
//! (`benches/http.sh`).
//!
//! ```sh
//! cargo run --release --example hello_http [ADDR] [--head-timeout SECS] [--threads N] [--pin]
//! ```
//!
//! The address defaults to 127.0.0.1:8080; try `curl -v http://127.0.0.1:8080/`.
//! With `--threads N` it runs N runtimes, one per thread, each with its own
//! listener on the same port (`SO_REUSEPORT`, so the kernel spreads the
//! connections): `grove::runtime::per_core`. `--pin` pins thread N to core
//! N, which pays when the server has the machine to itself; with the load
//! generator on the same cores, as in `benches/http.sh`, it costs: a pinned
//! server cannot move off the core the load generator needs.
//! It frames requests properly (a body is read and dropped, never taken for
//! a request), caps what it accepts (answering `413` or `431` and closing),
//! and closes a connection whose head takes more than the head timeout
//! (10 s by default) to arrive, so that slow clients cannot hold it (see
//! `conn.rs`).

use std::net::SocketAddr;
use std::time::Duration;

use grove::net::TcpListener;

mod conn;
mod serve;

fn main() -> std::io::Result<()> {
    let args = parse_args()?;
    let addr: SocketAddr = args.addr.parse().map_err(|e| usage(&format!("{}: {e}", args.addr)))?;
    if args.threads == 1 {
        return grove::run(serve_on(addr, args.head_timeout));
    }
    if addr.port() == 0 {
        return Err(usage("--threads needs a fixed port, shared by every runtime"));
    }
    let head_timeout = args.head_timeout;
    let servers =
        grove::Runtime::builder().build_per_core(args.threads, args.pin, move |_| serve_on(addr, head_timeout))?;
    servers
        .join()
        .into_iter()
        .find_map(|served| match served {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(Err(e)),
            Err(_) => Some(Err(std::io::Error::other("a server thread panicked"))),
        })
        .unwrap_or(Ok(()))
}

/// Serves on `addr`, on a listener that other runtimes may share
/// (`SO_REUSEPORT`).
async fn serve_on(addr: SocketAddr, head_timeout: Duration) -> std::io::Result<()> {
    let listener = TcpListener::bind_reuseport(addr).await?;
    eprintln!("hello_http listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        grove::spawn(async move {
            if let Err(e) = serve::serve(stream, head_timeout).await {
                eprintln!("connection error: {e}");
            }
        });
    }
}

struct Args {
    addr: String,
    head_timeout: Duration,
    threads: usize,
    pin: bool,
}

fn usage(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{what}; usage: hello_http [ADDR] [--head-timeout SECS] [--threads N] [--pin]"),
    )
}

/// The address, the head timeout, the number of runtimes and whether to
/// pin them, from the command line.
fn parse_args() -> std::io::Result<Args> {
    let mut parsed = Args {
        addr: "127.0.0.1:8080".to_owned(),
        head_timeout: conn::HEAD_TIMEOUT,
        threads: 1,
        pin: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| usage(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--head-timeout" => {
                let secs: f64 = value()?.parse().map_err(|_| usage("--head-timeout takes seconds"))?;
                parsed.head_timeout =
                    Duration::try_from_secs_f64(secs).map_err(|_| usage("--head-timeout is out of range"))?;
            }
            "--threads" => {
                let threads: usize = value()?.parse().map_err(|_| usage("--threads takes a number"))?;
                parsed.threads = threads.max(1);
            }
            "--pin" => parsed.pin = true,
            flag if flag.starts_with("--") => return Err(usage(&format!("unknown flag {flag}"))),
            _ => parsed.addr = arg,
        }
    }
    Ok(parsed)
}
