//! Holding pool threads at a gate, and waiting on the loop for a condition
//! another thread makes true.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A door that pool threads wait at until the loop opens it, or for 10 s at
/// most, so that a failed assertion does not leave a pool thread blocked
/// forever (dropping a pool joins its threads).
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub fn wait(&self) {
        let (open, cv) = &*self.0;
        let open = open.lock().unwrap();
        drop(
            cv.wait_timeout_while(open, Duration::from_secs(10), |open| !*open)
                .unwrap(),
        );
    }

    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
}

/// Occupies the single thread of `pool` with a job held at a gate, and
/// waits until the thread runs it. Open the gate to let it finish.
#[cfg(feature = "blocking")]
pub async fn occupy(pool: &grove::blocking::ThreadPool) -> (Gate, grove::JoinHandle<()>) {
    let gate = Gate::default();
    let blocker = {
        let gate = gate.clone();
        pool.spawn(move || gate.wait()).await.unwrap()
    };
    eventually("the thread is busy", || pool.busy() == 1).await;
    (gate, blocker)
}

/// Polls `done` on the loop until it holds, failing after 10 s.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        grove::sleep(Duration::from_millis(1)).await;
    }
}

/// Drops `pending`, which holds the `queued` jobs waiting behind `occupy`'s,
/// then lets the pool run: those jobs must leave the queue and never run.
#[cfg(feature = "blocking")]
pub async fn drop_and_check_none_ran(
    pool: &grove::blocking::ThreadPool,
    queued: usize,
    pending: impl Sized,
    (gate, blocker): (Gate, grove::JoinHandle<()>),
    ran: &std::sync::atomic::AtomicUsize,
) {
    assert_eq!(pool.queued(), queued);
    drop(pending);
    eventually("the jobs leave the queue", || pool.queued() == 0).await;
    gate.open();
    blocker.await.unwrap();
    pool.join().await;
    assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 0);
}
