//! Tasks spawned from other threads through a `Handle`.
//!
//! The task is an ordinary task on the runtime, running a wrapper future
//! that sends its result to a [`RemoteJoinHandle`] through a mutex. The
//! handle can be awaited, polled and killed from any thread.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::outcome::Plain;
use super::{JoinError, RawTask, TaskId};
use crate::runtime::shared::Remote;

/// What the task and its handle share.
struct Slot<T> {
    state: Mutex<State<T>>,
    id: TaskId,
}

struct State<T> {
    /// The result, until the handle takes it.
    result: Option<Result<T, JoinError>>,
    /// The task has finished (its future is dropped).
    done: bool,
    /// The handle asked for the task to be killed.
    kill: bool,
    /// Wakes the task, so that it sees `kill`.
    task: Option<Waker>,
    /// Wakes whoever awaits the handle.
    join: Option<Waker>,
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing panics while the lock is held, but a poisoned state is
        // still consistent: every update is a single assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the result (first one wins) and wakes the joiner.
    fn finish(&self, result: Result<T, JoinError>) {
        let join = {
            let mut state = self.lock();
            if state.done {
                return;
            }
            state.done = true;
            state.result = Some(result);
            state.task = None;
            state.join.take()
        };
        if let Some(waker) = join {
            waker.wake();
        }
    }
}

/// Spawns `future` onto the runtime that `shared` belongs to.
pub(crate) fn spawn<F>(remote: Remote, future: F, location: &'static Location<'static>) -> RemoteJoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let id = TaskId::next();
    let state = State {
        result: None,
        done: false,
        kill: false,
        task: None,
        join: None,
    };
    let slot = Arc::new(Slot {
        state: Mutex::new(state),
        id,
    });
    let wrapper = RemoteTask {
        future: Some(future),
        slot: slot.clone(),
    };
    let task = RawTask::new(Plain(wrapper), (), (id, remote.id()), false, None);
    if !remote.push(|inject| inject.spawns.push((task, location))) {
        // The runtime is gone. The cell was never shared, so this thread may
        // finish it: the wrapper is `Send`, and its drop reports a kill.
        let (finishing, _) = task.finish(true);
        task.drop_stage();
        drop(finishing);
    }
    RemoteJoinHandle { slot }
}

pin_project! {
    /// The future a remote task runs: the user's future, plus the report.
    struct RemoteTask<F: Future> {
        #[pin]
        future: Option<F>,
        slot: Arc<Slot<F::Output>>,
    }

    impl<F: Future> PinnedDrop for RemoteTask<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            // Killed (or the runtime dropped): drop the future first, so its
            // destructors have run once the handle reports the kill.
            this.future.set(None);
            this.slot.finish(Err(JoinError::killed(this.slot.id)));
        }
    }
}

impl<F: Future> Future for RemoteTask<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        {
            let mut state = this.slot.lock();
            if state.kill {
                return Poll::Ready(());
            }
            if !state.task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.task = Some(cx.waker().clone());
            }
        }
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        let result = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => Ok(value),
            Err(payload) => Err(JoinError::panic(this.slot.id, payload)),
        };
        this.future.set(None);
        this.slot.finish(result);
        Poll::Ready(())
    }
}

/// The handle to a task spawned with [`Handle::spawn`](crate::Handle::spawn).
/// Unlike [`JoinHandle`](crate::task::JoinHandle) it is `Send` and `Sync`: it can
/// be awaited, polled and killed from any thread.
///
/// # Examples
///
/// ```
/// let rt = grove::Runtime::new()?;
/// let handle = rt.handle();
/// let task = std::thread::spawn(move || handle.spawn(async { 2 + 2 })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), 4);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
///
/// Dropping an `.await` on `&mut RemoteJoinHandle` loses nothing: the result
/// stays in the handle.
pub struct RemoteJoinHandle<T> {
    slot: Arc<Slot<T>>,
}

impl<T> RemoteJoinHandle<T> {
    /// Asks the runtime to kill the task. Its future is dropped on the
    /// runtime's thread at its next turn; a task not yet started never runs.
    /// Does nothing once the task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let task = rt.handle().spawn(std::future::pending::<()>());
    /// task.kill();
    /// assert!(rt.block_on(task).unwrap_err().is_killed());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill(&self) {
        let waker = {
            let mut state = self.slot.lock();
            if state.done {
                return;
            }
            state.kill = true;
            state.task.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let task = rt.handle().spawn(async {});
    /// assert!(!task.is_finished());
    /// rt.run_until_stalled();
    /// assert!(task.is_finished());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot.lock().done
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let task = rt.handle().spawn(async { grove::task::current().id() });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap(), id);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn id(&self) -> TaskId {
        self.slot.id
    }
}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.lock();
        if let Some(result) = state.result.take() {
            return Poll::Ready(result);
        }
        assert!(
            !state.done,
            "a RemoteJoinHandle was polled again after it returned the task's result"
        );
        if !state.join.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            state.join = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for RemoteJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
