//! Twenty tasks go through a `BoundedSemaphore(5)`; the peak number inside
//! at once is 5.
//!
//! Run it with `cargo run --example semaphore`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use grove::sync::BoundedSemaphore;

fn main() {
    let peak = grove::run(async {
        let sem = BoundedSemaphore::new(5);
        let (inside, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                grove::spawn(async move {
                    let _permit = sem.acquire().await;
                    inside.set(inside.get() + 1);
                    peak.set(peak.get().max(inside.get()));
                    println!("task {i} inside ({} now)", inside.get());
                    grove::sleep(Duration::from_millis(20)).await;
                    inside.set(inside.get() - 1);
                })
            })
            .collect();
        grove::joinall(tasks).await;
        // Every permit is back: one more release would be an error.
        assert!(sem.release().is_err());
        peak.get()
    });
    println!("peak concurrency: {peak}");
}
