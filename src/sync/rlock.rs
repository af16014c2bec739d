//! gevent's `RLock`: a lock its holder may take again.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::NotOwner;
use super::sem_core::{Acquiring, SemCore, poll_acquire};
use crate::task::{self, TaskId};

/// A re-entrant lock: the task that holds it may acquire it again, and it
/// is free once that task has released it as many times. Releasing it from
/// any other task is an error. Waiters are served first come, first served.
///
/// Its owner is the current task ([`task::current`]),
/// so it must be used from inside a grove task (or a `block_on` future).
///
/// # Examples
///
/// ```
/// use grove::sync::RLock;
///
/// grove::run(async {
///     let lock = RLock::new();
///     lock.acquire().await;
///     lock.acquire().await; // the holder may take it again
///     lock.release().unwrap();
///     assert!(lock.is_locked());
///     lock.release().unwrap();
///     assert!(!lock.is_locked());
/// });
/// ```
#[derive(Clone, Default)]
pub struct RLock {
    inner: Rc<Inner>,
}

struct Inner {
    sem: SemCore,
    owner: Cell<Option<TaskId>>,
    depth: Cell<usize>,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            sem: SemCore::new(1, Some(1)),
            owner: Cell::new(None),
            depth: Cell::new(0),
        }
    }
}

impl RLock {
    /// An unlocked lock.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!grove::sync::RLock::new().is_locked());
    /// ```
    pub fn new() -> RLock {
        RLock::default()
    }

    /// Waits for the lock, or takes it again at once if this task holds it.
    ///
    /// # Panics
    /// Outside of any grove task.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let lock = grove::sync::RLock::new();
    ///     lock.acquire().await;
    ///     assert!(lock.is_owned());
    ///     lock.release().unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the line; if the lock had already been
    /// handed to it, it passes to the next in line.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            lock: self,
            waiter: Acquiring::new(&self.inner.sem),
        }
    }

    /// Takes the lock if it is free or already this task's.
    ///
    /// # Panics
    /// Outside of any grove task.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let lock = grove::sync::RLock::new();
    ///     assert!(lock.try_acquire());
    ///     assert!(lock.try_acquire());
    ///     lock.release().unwrap();
    ///     lock.release().unwrap();
    /// });
    /// ```
    pub fn try_acquire(&self) -> bool {
        let me = task::current().id();
        if self.inner.owner.get() == Some(me) || self.inner.sem.try_acquire() {
            self.take(me);
            return true;
        }
        false
    }

    /// Releases one level of the lock.
    ///
    /// # Errors
    /// [`NotOwner`] if the current task does not hold the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let lock = grove::sync::RLock::new();
    ///     assert!(lock.release().is_err());
    ///     lock.acquire().await;
    ///     assert!(lock.release().is_ok());
    /// });
    /// ```
    pub fn release(&self) -> Result<(), NotOwner> {
        let me = task::try_current().map(|t| t.id());
        if me.is_none() || self.inner.owner.get() != me {
            return Err(NotOwner(()));
        }
        let depth = self.inner.depth.get() - 1;
        self.inner.depth.set(depth);
        if depth == 0 {
            self.inner.owner.set(None);
            // The holder gives back the one permit it took.
            let _ = self.inner.sem.release();
        }
        Ok(())
    }

    /// Whether any task holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!grove::sync::RLock::new().is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        // The permit count also sees a lock handed to a waiter not yet run.
        self.inner.sem.available() == 0
    }

    /// Whether the current task holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let lock = grove::sync::RLock::new();
    ///     assert!(!lock.is_owned());
    /// });
    /// ```
    pub fn is_owned(&self) -> bool {
        let me = task::try_current().map(|t| t.id());
        me.is_some() && self.inner.owner.get() == me
    }

    /// Records one more level held by `me`.
    fn take(&self, me: TaskId) {
        self.inner.owner.set(Some(me));
        self.inner.depth.set(self.inner.depth.get() + 1);
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLock")
            .field("owner", &self.inner.owner.get())
            .field("depth", &self.inner.depth.get())
            .finish()
    }
}

/// The future of [`RLock::acquire`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let lock = grove::sync::RLock::new();
///     let acquire: grove::sync::rlock::Acquire<'_> = lock.acquire();
///     acquire.await;
///     lock.release().unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    lock: &'a RLock,
    waiter: Acquiring<&'a SemCore>,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let me = task::current().id();
        if !this.waiter.is_waiting() && this.lock.inner.owner.get() == Some(me) {
            this.lock.take(me);
            return Poll::Ready(());
        }
        poll_acquire(&mut this.waiter, cx).map(|()| this.lock.take(me))
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Acquire").field(&self.waiter).finish()
    }
}
