//! A host loop that owns the main thread, as a GUI or game loop does: it
//! does its own work every 10 ms frame and drives grove in between with
//! `Runtime::turn`. Meanwhile green tasks sleep, fetch a page from a local
//! server, and pass messages.
//!
//! Run it with `cargo run --example host_loop`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use grove::Runtime;
use grove::net::{TcpListener, TcpStream};
use grove::queue::Queue;

const FRAME: Duration = Duration::from_millis(10);

fn main() -> std::io::Result<()> {
    let rt = Runtime::new()?;
    let log = Rc::new(RefCell::new(Vec::<String>::new()));

    // A server, a client that fetches from it, a sleeper, and two tasks
    // talking over a queue: all green tasks on the host's thread.
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    grove::spawn(async move {
        let (mut conn, _) = listener.accept().await?;
        let mut request = [0; 256];
        let _ = conn.read(&mut request).await?;
        conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .await?;
        conn.close().await
    });
    let fetch_log = log.clone();
    grove::spawn(async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
            .await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        let body = response.rsplit("\r\n\r\n").next().unwrap_or("").to_owned();
        fetch_log.borrow_mut().push(format!("fetched {body:?}"));
        Ok::<(), std::io::Error>(())
    });
    let sleep_log = log.clone();
    grove::spawn(async move {
        grove::sleep(Duration::from_millis(35)).await;
        sleep_log.borrow_mut().push("slept 35 ms".to_owned());
    });
    let messages = Queue::new();
    let (sender, receiver) = (messages.clone(), messages);
    grove::spawn(async move {
        for n in 1..=3 {
            grove::sleep(Duration::from_millis(15)).await;
            sender.put(n).await.expect("the queue stays open");
        }
        sender.close();
    });
    let message_log = log.clone();
    grove::spawn(async move {
        while let Ok(n) = receiver.get().await {
            message_log.borrow_mut().push(format!("message {n}"));
        }
    });

    // The host's loop: a frame of its own work every 10 ms, and grove in
    // between: `turn` runs what is ready and sleeps in grove's poller for
    // at most the rest of the frame, so sockets and timers wake it early.
    let start = Instant::now();
    let mut frame = 0;
    let mut alive = true;
    while alive {
        frame += 1;
        let frame_end = start + FRAME * frame;
        for line in log.borrow_mut().drain(..) {
            println!("frame {frame:2} at {:>3} ms: {line}", start.elapsed().as_millis());
        }
        while alive && Instant::now() < frame_end {
            alive = rt.turn(frame_end.saturating_duration_since(Instant::now()));
        }
    }
    for line in log.borrow_mut().drain(..) {
        println!("after the last frame: {line}");
    }
    println!("no task left after {frame} frames ({} ms)", start.elapsed().as_millis());
    Ok(())
}
