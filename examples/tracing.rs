//! grove's `tracing` spans and events, printed by tracing-subscriber.
//!
//! ```sh
//! cargo run --example tracing --features tracing
//! ```
//!
//! Each task runs in a span named `task`, with its id and name, entered on
//! each of its polls: a log line written inside a task carries them. I/O
//! readiness and fired timers are `trace` events.

use std::time::Duration;

use tracing_subscriber::fmt::format::FmtSpan;

fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NONE)
        .init();
    grove::run(async {
        let workers: Vec<_> = ["alpha", "beta"]
            .into_iter()
            .map(|name| {
                grove::task::Builder::new().name(name).spawn(async move {
                    for step in 0..2 {
                        tracing::info!(step, "working");
                        grove::sleep(Duration::from_millis(5)).await;
                    }
                })
            })
            .collect();
        grove::joinall(workers).await;
        tracing::info!("all done");
    });
}
