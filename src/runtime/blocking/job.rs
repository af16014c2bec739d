//! A job's two ends: the closure a pool thread runs, which sends its result
//! (or its panic) down a oneshot channel, and the green task that waits on
//! that channel and is the job's `JoinHandle`.
//!
//! The channel's sender wakes the task's waker from the pool thread; the
//! waker reaches the loop through the runtime's inject queue and wakes the
//! poller at once. A job the pool drops unrun, because the OS refused it a
//! thread, ends its task with a refusal: an outcome of its own, not a panic.
//! A job dropped by a terminated pool, unrun or with its result, ends its
//! task killed.

use std::future::Future;
use std::io;
use std::panic::Location;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;

use futures::channel::oneshot;

use super::workers::{Job, Terminated, Workers};
use crate::runtime::context;
use crate::runtime::task::JoinHandle;
use crate::runtime::task::outcome::{Failure, TaskFuture};

/// The receiving end of a job's result.
pub(crate) type Outcome<T> = oneshot::Receiver<thread::Result<T>>;

/// Wraps `f` as a job for the pool's threads, with the channel its result
/// comes back on.
pub(crate) fn pack<F, T>(f: F) -> (Job, Outcome<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let job = Box::new(move |terminated: &Terminated| {
        let result = catch_unwind(AssertUnwindSafe(f));
        // Nobody waiting (the task was killed after the job started) or a
        // terminated pool means the result is dropped here, on the pool
        // thread.
        if !terminated.is_set() {
            let _ = tx.send(result);
        }
    });
    (job, rx)
}

/// The task of job `seq`, queued in `workers`, which ends with its result.
/// `location` is where the job was handed over.
pub(crate) fn receive<T: Send + 'static>(
    workers: Arc<Workers>,
    seq: u64,
    outcome: Outcome<T>,
    location: &'static Location<'static>,
) -> JoinHandle<T> {
    let queued = Queued {
        workers,
        seq: Some(seq),
    };
    spawn(JobTask::Queued { outcome, queued }, location)
}

/// A task that ends at once with the refusal `error`: the job never ran.
pub(crate) fn refused<T: Send + 'static>(error: io::Error, location: &'static Location<'static>) -> JoinHandle<T> {
    spawn(JobTask::<T>::Refused(Some(error)), location)
}

#[track_caller]
fn spawn<T: Send + 'static>(task: JobTask<T>, location: &'static Location<'static>) -> JoinHandle<T> {
    context::with_core("grove::spawn_blocking", |core| core.spawn_task(task, (), location))
}

/// The green task of a job.
enum JobTask<T> {
    /// Queued or running: waits for the result.
    Queued { outcome: Outcome<T>, queued: Queued },
    /// Refused a thread before it was queued.
    Refused(Option<io::Error>),
}

// Neither the receiver nor the guard is pinned.
impl<T> Unpin for JobTask<T> {}

impl<T: Send + 'static> TaskFuture for JobTask<T> {
    type Output = T;

    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Failure>> {
        let (outcome, queued) = match self.get_mut() {
            JobTask::Queued { outcome, queued } => (outcome, queued),
            JobTask::Refused(error) => {
                let error = error.take().expect("a refused job task polled after it ended");
                return Poll::Ready(Err(Failure::Refused(error)));
            }
        };
        let result = std::task::ready!(Pin::new(outcome).poll(cx));
        queued.started();
        Poll::Ready(match result {
            Ok(Ok(value)) => Ok(value),
            // The payload is the job's own; the panic hook already printed
            // it on the pool thread.
            Ok(Err(payload)) => Err(Failure::Panic(Box::new(payload))),
            Err(oneshot::Canceled) if queued.workers.is_terminated() => Err(Failure::Killed),
            // Only when no thread could be started for a queued job.
            Err(oneshot::Canceled) => Err(Failure::Refused(io::Error::other(
                "the thread pool dropped this job unrun: the OS refused its threads",
            ))),
        })
    }
}

/// Takes a job out of the queue if its task ends before a thread took it
/// (killed, or dropped with the runtime).
struct Queued {
    workers: Arc<Workers>,
    seq: Option<u64>,
}

impl Queued {
    fn started(&mut self) {
        self.seq = None;
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        if let Some(seq) = self.seq {
            self.workers.cancel(seq);
        }
    }
}
