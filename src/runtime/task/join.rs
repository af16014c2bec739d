//! The handle to a spawned task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::state::Joined;
use super::{JoinError, RawTask, TaskId, waker};
use crate::runtime::coop;

/// Owns the right to a task's result, and to kill it: gevent's `Greenlet`.
///
/// Awaiting the handle gives the task's output, or a [`JoinError`] if it
/// was killed or panicked. Dropping the handle detaches the task, which goes
/// on running, as a greenlet does when nobody keeps a reference to it.
///
/// A `JoinHandle` stays on the runtime's thread (it is `!Send`); from other
/// threads use [`Handle::spawn`](crate::Handle::spawn) and its
/// [`RemoteJoinHandle`](crate::task::RemoteJoinHandle).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let task = grove::spawn(async { "hello" });
///     assert_eq!(task.await.unwrap(), "hello");
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future returned by `.await` on a `&mut JoinHandle` (say,
/// under `timeout`) loses nothing: the task keeps running and its result
/// stays in the handle until polled again.
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

impl<T> JoinHandle<T> {
    /// The handle of a cell made with one (see `Core::spawn_task`).
    pub(in crate::runtime) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Kills the task: its future is dropped, running its destructors, and
    /// awaiting the handle gives a [`JoinError`] for which
    /// [`is_killed`](JoinError::is_killed) is true.
    ///
    /// The kill takes effect when the runtime next schedules the task, which
    /// is queued for it now; await the handle to wait until the task is
    /// gone. A task killed before its first poll never runs. Killing a
    /// finished task does nothing, and so does killing twice.
    ///
    /// A task that kills itself runs on until its poll returns: an `.await`
    /// that completes without waiting (a free lock, a write the socket takes
    /// at once) still completes, with its effects, and should the task then
    /// return, its output is dropped and joiners see it killed. The next
    /// `.await` that waits is where it stops.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let task = grove::spawn(grove::sleep(Duration::from_secs(3600)));
    ///     task.kill();
    ///     assert!(task.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) {
        kill(self.raw);
    }

    /// Whether the task has finished: returned, panicked or been killed.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(async {});
    ///     assert!(!task.is_finished());
    ///     grove::yield_now().await;
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.state().is_finished()
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(async { grove::task::current().id() });
    ///     let id = task.id();
    ///     assert_eq!(task.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.raw.id()
    }

    /// A handle that can kill the task but not join it, for task groups.
    pub(crate) fn killer(&self) -> Killer {
        Killer {
            waker: waker::waker(self.raw),
            _local: PhantomData,
        }
    }

    /// The name given with [`Builder::name`](crate::task::Builder::name), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::task::Builder::new().name("worker").spawn(async {});
    ///     assert_eq!(task.name(), Some("worker"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.raw.name()
    }
}

// The output lives in the task's cell, never inline in the handle.
impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// `Ready` once the task has finished, leaving its result in the
    /// handle; `Pending` with `cx`'s waker kept to wake on the end. For
    /// waits on many handles that take results only at the end.
    pub(crate) fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.raw.state().is_finished() {
            return Poll::Ready(());
        }
        self.raw.set_join_waker(cx.waker());
        Poll::Pending
    }

    /// The result of a task that has finished (see [`poll_finished`]),
    /// taken out of the handle.
    ///
    /// # Panics
    /// If the task is still running, or its result was taken already.
    ///
    /// [`poll_finished`]: JoinHandle::poll_finished
    pub(crate) fn take_result(&mut self) -> Result<T, JoinError> {
        match self.raw.state().joined() {
            // SAFETY: `T` is the output type of the future this handle was
            // created for.
            Joined::Output => unsafe { self.raw.take_output::<T>() },
            Joined::Killed => Err(JoinError::killed(self.raw.id())),
            Joined::Pending => panic!("the result of a running task was taken"),
            Joined::Taken => panic!("a JoinHandle was polled again after it returned the task's result"),
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(self.poll_finished(cx));
        // Completes without waiting: counts against the task's budget.
        std::task::ready!(coop::poll_budget(cx));
        coop::spend();
        Poll::Ready(self.take_result())
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let raw = self.raw;
        drop(raw.take_join_waker());
        // An untaken result's destructor runs while the handle still keeps
        // the cell.
        if raw.state().has_output() {
            raw.drop_stage();
        }
        raw.state().drop_join_handle();
        raw.release_if_unused();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Kills a task without owning its `JoinHandle`. It holds a reference to
/// the task (as a waker does), and stays on the runtime's thread.
pub(crate) struct Killer {
    waker: Waker,
    _local: PhantomData<*const ()>,
}

impl Killer {
    /// As [`JoinHandle::kill`].
    pub(crate) fn kill(&self) {
        if let Some(task) = waker::task_of(&self.waker) {
            kill(task);
        }
    }
}

/// Asks for `task` to be killed: it is marked and scheduled, and the run
/// loop drops its future instead of polling it. Runtime thread only.
fn kill(task: RawTask) {
    if task.state().transition_to_killed() {
        waker::wake_task(task);
    }
}
