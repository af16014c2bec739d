//! A job's two ends: the closure a pool thread runs, which leaves its
//! result (or its panic) in a slot the two ends share, and the green task
//! that waits on that slot and is the job's `JoinHandle`.
//!
//! The slot holds the closure, then the result, and the task's waker, in
//! one allocation: a job costs the submitting thread one `malloc`, and the
//! task, which usually lets go of the slot last, frees it on the thread
//! that allocated it. The pool thread wakes the task's waker, which
//! reaches the loop through the runtime's inject queue and wakes the
//! poller at once. A job the pool drops unrun, because the OS refused it a
//! thread, ends its task with a refusal: an outcome of its own, not a panic.
//! A job dropped by a terminated pool, unrun or with its result, ends its
//! task killed.

use std::io;
use std::mem;
use std::panic::Location;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;

use super::workers::{Terminated, Workers};
use crate::runtime::context;
use crate::runtime::task::JoinHandle;
use crate::runtime::task::outcome::{Failure, TaskFuture};

/// A job as the pool's threads see it. Dropped unrun, it tells its task so.
pub(crate) struct Job(Arc<dyn Run>);

impl Job {
    /// Runs the closure and hands its result (or its panic) to the task,
    /// which drops it if the pool was `terminated` meanwhile.
    pub(crate) fn run(self, terminated: &Terminated) {
        self.0.run(terminated);
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.0.drop_unrun();
    }
}

/// The receiving end of a job's result.
pub(crate) type Outcome<T> = Arc<dyn Receive<T>>;

/// The pool thread's side of a slot.
trait Run: Send + Sync {
    fn run(&self, terminated: &Terminated);
    /// Drops the closure if it has not run, and tells the task.
    fn drop_unrun(&self);
}

/// The task's side of a slot.
pub(crate) trait Receive<T>: Send + Sync {
    /// The result, once the job ran; `Err(Dropped)` if it never will.
    fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<thread::Result<T>, Dropped>>;
}

/// The job was dropped unrun, or its result dropped by a terminated pool.
pub(crate) struct Dropped;

/// What the two ends share.
struct Slot<F, T> {
    state: Mutex<(Stage<F, T>, Option<Waker>)>,
}

enum Stage<F, T> {
    Queued(F),
    Running,
    Done(thread::Result<T>),
    Dropped,
    /// The task took the result.
    Taken,
}

impl<F, T> Slot<F, T> {
    /// Nothing that could panic runs under the lock, so a poisoned one is
    /// still consistent.
    fn lock(&self) -> MutexGuard<'_, (Stage<F, T>, Option<Waker>)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Leaves `stage` and wakes the task. What the stage replaces (an
    /// unrun closure) is dropped after that, so that a destructor that
    /// panics cannot leave the task waiting.
    fn finish(&self, stage: Stage<F, T>) {
        let mut state = self.lock();
        let before = mem::replace(&mut state.0, stage);
        let waker = state.1.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        drop(before);
    }
}

impl<F, T> Run for Slot<F, T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn run(&self, terminated: &Terminated) {
        let Stage::Queued(f) = mem::replace(&mut self.lock().0, Stage::Running) else {
            unreachable!("a job runs once, from the queue")
        };
        let result = catch_unwind(AssertUnwindSafe(f));
        if terminated.is_set() {
            // Dropped here, on the pool thread, once the task is told.
            self.finish(Stage::Dropped);
            drop(result);
        } else {
            self.finish(Stage::Done(result));
        }
    }

    fn drop_unrun(&self) {
        if matches!(self.lock().0, Stage::Queued(_)) {
            self.finish(Stage::Dropped);
        }
    }
}

impl<F, T> Receive<T> for Slot<F, T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<thread::Result<T>, Dropped>> {
        let mut state = self.lock();
        match mem::replace(&mut state.0, Stage::Taken) {
            Stage::Done(result) => Poll::Ready(Ok(result)),
            Stage::Dropped => Poll::Ready(Err(Dropped)),
            Stage::Taken => unreachable!("a job's result polled after it was taken"),
            waiting => {
                state.0 = waiting;
                if !state.1.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    state.1 = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

/// Wraps `f` as a job for the pool's threads, with the end its result
/// comes back on.
pub(crate) fn pack<F, T>(f: F) -> (Job, Outcome<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Slot {
        state: Mutex::new((Stage::Queued(f), None)),
    });
    (Job(slot.clone()), slot)
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
        let result = std::task::ready!(outcome.poll_result(cx));
        queued.started();
        Poll::Ready(match result {
            Ok(Ok(value)) => Ok(value),
            // The payload is the job's own; the panic hook already printed
            // it on the pool thread.
            Ok(Err(payload)) => Err(Failure::Panic(Box::new(payload))),
            Err(Dropped) if queued.workers.is_terminated() => Err(Failure::Killed),
            // Only when no thread could be started for a queued job.
            Err(Dropped) => Err(Failure::Refused(io::Error::other(
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
