//! The part of a runtime that other threads reach: the inject queue and the
//! `mio::Waker` that interrupts the runtime's poll.
//!
//! Two things arrive here: wakes of tasks from other threads, and tasks
//! spawned through a `Handle`. Pushers coalesce their wake-ups through
//! `notified`: only the first push after the runtime last drained pays for
//! the `eventfd` write.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::RuntimeId;
use super::task::RawTask;

/// Messages from other threads.
#[derive(Default)]
pub(crate) struct Inject {
    /// Tasks to wake, each carrying one reference the runtime gives back.
    pub(crate) wakes: Vec<RawTask>,
    /// New tasks built on another thread, each holding the runtime side's
    /// reference and no state bits yet.
    pub(crate) spawns: Vec<RawTask>,
    /// The `block_on` future was woken.
    pub(crate) main: bool,
    /// The runtime is gone: nothing more may be pushed.
    closed: bool,
}

/// State shared between a runtime and the threads that wake or spawn on it.
pub(crate) struct Shared {
    pub(crate) id: RuntimeId,
    inject: Mutex<Inject>,
    /// Set by the first push since the last drain; that push wakes the poll.
    notified: AtomicBool,
    waker: mio::Waker,
}

// SAFETY: the `RawTask`s in the queue are only dereferenced by the runtime's
// thread after it takes them out, or released through their atomic count;
// a spawned task's future is `Send` (`Handle::spawn` requires it).
unsafe impl Send for Inject {}

impl Inject {
    /// Moves the messages out, leaving `closed` as it is.
    fn take(&mut self) -> Inject {
        Inject {
            wakes: std::mem::take(&mut self.wakes),
            spawns: std::mem::take(&mut self.spawns),
            main: std::mem::take(&mut self.main),
            closed: self.closed,
        }
    }
}

/// Every live runtime's shared state, so a waker that carries only a
/// runtime's id can find it from any thread.
static RUNTIMES: Mutex<Vec<Arc<Shared>>> = Mutex::new(Vec::new());

fn runtimes() -> MutexGuard<'static, Vec<Arc<Shared>>> {
    // A panic while holding this lock cannot leave the Vec inconsistent.
    RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Creates the shared state under a fresh id and makes the runtime
    /// findable by it.
    ///
    /// Ids are never reused: a waker or timer key that outlives its runtime
    /// must never reach another one. They are 32 bits to keep task headers
    /// small, so a process can create 2^32 - 1 runtimes in all (hours of
    /// doing nothing else); past that, creating one is an error.
    pub(crate) fn register(waker: mio::Waker) -> io::Result<Arc<Shared>> {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let id = NEXT
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |id| id.checked_add(1))
            .map_err(|_| io::Error::other("grove: this process has used up its 2^32 runtime ids"))?;
        let shared = Arc::new(Shared {
            id: RuntimeId(id),
            inject: Mutex::default(),
            notified: AtomicBool::new(false),
            waker,
        });
        runtimes().push(shared.clone());
        Ok(shared)
    }

    /// Closes the inject queue and forgets the runtime. Returns what was
    /// still queued so the runtime can release it.
    pub(crate) fn close(&self) -> Inject {
        runtimes().retain(|s| s.id != self.id);
        let mut inject = self.lock();
        inject.closed = true;
        inject.take()
    }

    fn lock(&self) -> MutexGuard<'_, Inject> {
        self.inject.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `push` on the queue and wakes the runtime. Returns `false`,
    /// without running `push`, if the runtime is gone.
    pub(crate) fn push(&self, push: impl FnOnce(&mut Inject)) -> bool {
        {
            let mut inject = self.lock();
            if inject.closed {
                return false;
            }
            push(&mut inject);
        }
        if !self.notified.swap(true, Ordering::AcqRel) {
            // An error here means the eventfd is gone with the runtime.
            let _ = self.waker.wake();
        }
        true
    }

    /// Whether the runtime is gone: nothing pushed now would run.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Whether anything was pushed since the last `take`.
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Takes everything queued. Runtime thread only.
    pub(crate) fn take(&self) -> Inject {
        self.notified.store(false, Ordering::Release);
        self.lock().take()
    }
}

/// Wakes `task` of runtime `id` from a thread that is not driving it.
/// `task` carries a reference, which the runtime gives back once it has
/// scheduled the task, or which is given back here if the runtime is gone.
pub(crate) fn wake_remote(id: RuntimeId, task: RawTask) {
    let shared = runtimes().iter().find(|s| s.id == id).cloned();
    let queued = shared.is_some_and(|s| s.push(|inject| inject.wakes.push(task)));
    if !queued {
        task.ref_dec();
    }
}
