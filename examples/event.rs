//! gevent's Event example: ten tasks wait on an event, the main task sets
//! it, and all ten proceed.
//!
//! Run it with `cargo run --example event`.

use std::time::Duration;

use grove::sync::Event;

fn main() {
    grove::run(async {
        let ready = Event::new();
        let waiters: Vec<_> = (0..10)
            .map(|i| {
                let ready = ready.clone();
                grove::spawn(async move {
                    println!("task {i} waiting");
                    ready.wait().await;
                    println!("task {i} proceeds");
                })
            })
            .collect();
        grove::sleep(Duration::from_millis(100)).await;
        println!("main sets the event");
        ready.set();
        let done = grove::joinall(waiters).await.into_iter().filter(Result::is_ok).count();
        println!("{done} tasks proceeded");
    });
}
