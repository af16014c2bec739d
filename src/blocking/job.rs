//! A job's two ends: the closure a pool thread runs, which sends its result
//! (or its panic) down a oneshot channel, and the green task that waits on
//! that channel and is the job's [`JoinHandle`].
//!
//! The channel's sender wakes the task's waker from the pool thread; the
//! waker reaches the loop through the runtime's inject queue and wakes the
//! poller at once.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::thread;

use futures::channel::oneshot;

use super::shared::{Job, Shared};
use crate::runtime::task::Refused;
use crate::task::JoinHandle;

/// Where a job's result arrives.
pub(super) type Outcome<T> = oneshot::Receiver<thread::Result<T>>;

/// Wraps `f` as a job that catches its panic and sends what it returned.
pub(super) fn pack<F, T>(f: F) -> (Job, Outcome<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let job = Box::new(move || {
        // Nobody waiting (the task was killed after the job started) means
        // the result is dropped here, on the pool thread.
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    (job, rx)
}

/// Spawns the task that waits for job `seq`'s result. Killing the task
/// before a thread starts the job takes the job out of the queue.
pub(super) fn receive<T: Send + 'static>(shared: Arc<Shared>, seq: u64, outcome: Outcome<T>) -> JoinHandle<T> {
    // Built outside the task, so that killing the task before its first
    // poll drops it too.
    let mut queued = Queued { shared, seq: Some(seq) };
    crate::spawn(async move {
        let result = outcome.await;
        queued.started();
        match result {
            Ok(Ok(value)) => value,
            // The payload is the job's own; the panic hook already printed
            // it on the pool thread, and resume_unwind does not print again.
            Ok(Err(payload)) => resume_unwind(payload),
            // Only when no thread could be started for a queued job.
            Err(oneshot::Canceled) => resume_unwind(Box::new(Refused(io::Error::other(
                "the thread pool dropped this job unrun: the OS refused its threads",
            )))),
        }
    })
}

/// Takes a job back out of the queue when its task is dropped first.
struct Queued {
    shared: Arc<Shared>,
    seq: Option<u64>,
}

impl Queued {
    /// The job ran: there is nothing to take back any more.
    fn started(&mut self) {
        self.seq = None;
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        if let Some(seq) = self.seq {
            self.shared.cancel(seq);
        }
    }
}
