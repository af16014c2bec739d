//! Tasks spawned from other threads through a `Handle`.
//!
//! The task is an ordinary task on the runtime, running a wrapper future
//! that sends its result to a [`RemoteJoinHandle`] through a mutex. The
//! handle can be awaited, polled and killed from any thread.
//!
//! Task and handle share one allocation: the [`Slot`] lives in the task's
//! cell, where a local task keeps its name, and the handle holds a
//! reference to the cell as a waker does (the count is atomic). The slot is
//! dropped only when the cell is freed, after the future, so the wrapper
//! future may point to it, and the handle can read it on any thread until
//! it lets its reference go. When the slot was an `Arc` of its own, the
//! spawning threads' allocations were the top of a `perf` profile of
//! remote spawns (`_int_malloc`, 17%).

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::outcome::Plain;
use super::raw::TaskName;
use super::{JoinError, RawTask, TaskId};
use crate::runtime::shared::{self, Remote};

/// What the task and its handle share, kept in the task's cell.
///
/// The slot is empty of user values by the time its cell can be freed, so
/// freeing a cell runs no user destructor, wherever its last reference
/// goes. The joiner's waker is taken when the task finishes, which comes
/// before the runtime lets its reference go, or by the handle's drop. The
/// result is taken by the handle, or dropped once the handle is gone and
/// the task has finished: the handle's drop and the task's finish each set
/// their own flag, then read the other's, all sequentially consistent, so
/// at least one of them sees both set and drops the result (taking it under
/// the lock, so only one does).
struct Slot<T> {
    /// The handle asked for the task to be killed. Read at every poll of
    /// the task, so it is an atomic rather than behind the lock.
    kill: AtomicBool,
    /// The task has finished: its result is in `state`, or was taken.
    /// Written under the lock.
    done: AtomicBool,
    /// The handle is gone. Written only by its drop, without the lock:
    /// dropping the handle of a running task takes no lock at all.
    detached: AtomicBool,
    /// The handle has left a waker in `state` (it was awaited), so its
    /// drop takes the lock to take the waker back. Only the handle uses it.
    awaited: AtomicBool,
    state: Mutex<State<T>>,
}

struct State<T> {
    /// The result, until the handle takes it.
    result: Option<Result<T, JoinError>>,
    /// Wakes whoever awaits the handle.
    join: Option<Waker>,
}

impl<T> Drop for Slot<T> {
    fn drop(&mut self) {
        // What `Slot` promises; Miri's runs of tests/miri.rs check it.
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        debug_assert!(
            state.result.is_none() && state.join.is_none(),
            "a remote task's cell was freed with user values in its slot"
        );
    }
}

/// A cell's slot takes the place of a name: remote tasks have none.
impl<T: Send + 'static> TaskName for Slot<T> {
    fn as_str(&self) -> Option<&str> {
        None
    }
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing panics while the lock is held, but a poisoned state is
        // still consistent: every update is a single assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the result (first one wins) and wakes the joiner. Runs on
    /// the runtime's thread, inside the task's poll or its future's drop,
    /// whose panics the runtime contains: a result nobody can read any more
    /// is dropped here. (If the runtime is gone, it runs once on the
    /// spawning thread, with a kill, before the handle exists.)
    fn finish(&self, result: Result<T, JoinError>) {
        let (join, unread) = {
            let mut state = self.lock();
            if self.done.load(Ordering::Relaxed) {
                return;
            }
            let unread = if self.detached.load(Ordering::SeqCst) {
                // The handle is long gone (the usual case for a detached
                // task): nobody can read the result.
                Some(result)
            } else {
                state.result = Some(result);
                None
            };
            self.done.store(true, Ordering::SeqCst);
            (state.join.take(), unread)
        };
        let stored = unread.is_none();
        drop(unread);
        // The handle may have gone meanwhile, before it could see `done`.
        if stored && self.detached.load(Ordering::SeqCst) {
            let result = self.lock().result.take();
            drop(result);
        }
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
    let slot = Slot {
        kill: AtomicBool::new(false),
        done: AtomicBool::new(false),
        detached: AtomicBool::new(false),
        awaited: AtomicBool::new(false),
        state: Mutex::new(State {
            result: None,
            join: None,
        }),
    };
    let make = |slot| {
        Plain(RemoteTask {
            future: Some(future),
            slot,
            id,
        })
    };
    let (task, slot) = RawTask::new_with(slot, make, (id, remote.id()), false, None);
    // The handle's own reference, taken before the runtime can see the task.
    task.ref_inc();
    if !remote.spawn((task, location)) {
        // The runtime is gone. The cell was never shared, so this thread may
        // finish it: the user's future is `Send`, the slot the wrapper points
        // to is `Sync`, and the wrapper's drop reports a kill.
        let (finishing, _) = task.finish(true);
        task.drop_stage();
        drop(finishing);
    }
    RemoteJoinHandle { task, slot }
}

pin_project! {
    /// The future a remote task runs: the user's future, plus the report.
    struct RemoteTask<F: Future> {
        #[pin]
        future: Option<F>,
        // Valid while this future lives: the slot is in the same cell, and
        // is dropped after it.
        slot: NonNull<Slot<F::Output>>,
        id: TaskId,
    }

    impl<F: Future> PinnedDrop for RemoteTask<F> {
        fn drop(this: Pin<&mut Self>) {
            // Killed (or the runtime dropped).
            let id = this.id;
            this.end(Err(JoinError::killed(id)));
        }
    }
}

impl<F: Future> RemoteTask<F> {
    /// Drops the user's future, so that its destructors have run once the
    /// handle sees `result`, then reports `result`. A destructor that
    /// panics does not keep the handle from its report: the panic goes on
    /// after it, to be contained where the task is polled or dropped.
    fn end(self: Pin<&mut Self>, result: Result<F::Output, JoinError>) {
        let mut this = self.project();
        let dropped = catch_unwind(AssertUnwindSafe(|| this.future.set(None)));
        // SAFETY: the slot outlives this future (see the field).
        unsafe { this.slot.as_ref() }.finish(result);
        if let Err(payload) = dropped {
            resume_unwind(payload);
        }
    }
}

impl<F: Future> Future for RemoteTask<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.as_mut().project();
        // SAFETY: the slot outlives this future (see the field).
        let slot = unsafe { this.slot.as_ref() };
        // Acquire pairs with `kill`: a kill seen here is acted on.
        if slot.kill.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let Some(future) = this.future.as_pin_mut() else {
            return Poll::Ready(());
        };
        let result = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => Ok(value),
            Err(payload) => Err(JoinError::panic(*this.id, payload)),
        };
        self.end(result);
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
    /// One reference to the task's cell, which keeps `slot` alive.
    task: RawTask,
    slot: NonNull<Slot<T>>,
}

// SAFETY: the handle touches only the cell's reference count and its
// remote-wake bit (atomic), its immutable id and runtime, the inject queue
// (behind its mutex), and the slot, whose fields are atomics and a mutex.
// The result crosses threads, hence `T: Send`; nothing is shared by
// reference.
unsafe impl<T: Send> Send for RemoteJoinHandle<T> {}
// SAFETY: as above: every method takes `&self` and goes through the
// atomics or the mutexes.
unsafe impl<T: Send> Sync for RemoteJoinHandle<T> {}

impl<T> RemoteJoinHandle<T> {
    fn slot(&self) -> &Slot<T> {
        // SAFETY: the handle's reference keeps the cell, and so the slot,
        // alive.
        unsafe { self.slot.as_ref() }
    }
}

impl<T> Drop for RemoteJoinHandle<T> {
    fn drop(&mut self) {
        // See `Slot`: if the task has finished, its result is dropped now
        // (here, or by the task's own check), rather than wherever the cell
        // is freed; if not, the task drops it when it finishes. A waker left
        // by an await is taken back now, rather than kept until then.
        self.slot().detached.store(true, Ordering::SeqCst);
        let done = self.slot().done.load(Ordering::SeqCst);
        if done || self.slot().awaited.load(Ordering::Relaxed) {
            let (result, join) = {
                let mut state = self.slot().lock();
                (state.result.take(), state.join.take())
            };
            drop((result, join));
        }
        self.task.ref_dec();
    }
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
        if self.slot().done.load(Ordering::Acquire) {
            return;
        }
        // Release pairs with the task's check at its next poll, which the
        // wake asks for (a finished task ignores it). The wake goes through
        // the inject queue even on the runtime's own thread: the spawn may
        // still wait in its spawn lane, and the runtime takes spawns in
        // before the wakes that came after them (`runtime/shared/`).
        self.slot().kill.store(true, Ordering::Release);
        if self.task.queue_remote() {
            shared::wake_remote(self.task.header().runtime, self.task);
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
        self.slot().done.load(Ordering::Acquire)
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
        self.task.id()
    }
}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot().lock();
        if let Some(result) = state.result.take() {
            return Poll::Ready(result);
        }
        assert!(
            !self.slot().done.load(Ordering::Relaxed),
            "a RemoteJoinHandle was polled again after it returned the task's result"
        );
        if !state.join.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            state.join = Some(cx.waker().clone());
            self.slot().awaited.store(true, Ordering::Relaxed);
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
