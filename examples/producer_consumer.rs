//! Python's classic producer-consumer with a bounded queue, as green tasks:
//! three producers and ten consumers share a `Queue` of ten slots. The
//! producers put a fixed number of items; when they are done the queue is
//! closed, and the consumers stop once it is drained.
//!
//! Run it with `cargo run --example producer_consumer`.

use std::time::Duration;

use grove::queue::Queue;

const PRODUCERS: usize = 3;
const CONSUMERS: usize = 10;
const ITEMS_PER_PRODUCER: usize = 20;

fn main() {
    let consumed = grove::run(async {
        let queue = Queue::bounded(10);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = queue.clone();
                grove::spawn(async move {
                    for i in 0..ITEMS_PER_PRODUCER {
                        let item = p * 100 + i;
                        queue.put(item).await.expect("the queue is open while producers run");
                        println!("producer {p} put {item} ({} queued)", queue.len());
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let queue = queue.clone();
                grove::spawn(async move {
                    let mut count = 0;
                    // `get` fails once the queue is closed and drained.
                    while let Ok(item) = queue.get().await {
                        println!("consumer {c} got {item}");
                        grove::sleep(Duration::from_millis(1)).await; // work on it
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        grove::joinall(producers).await;
        queue.close();
        let counts = grove::joinall(consumers).await;
        counts
            .into_iter()
            .map(|c| c.expect("consumers do not fail"))
            .sum::<usize>()
    });
    println!("consumed {consumed} items of {}", PRODUCERS * ITEMS_PER_PRODUCER);
    assert_eq!(consumed, PRODUCERS * ITEMS_PER_PRODUCER);
}
