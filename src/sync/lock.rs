//! gevent's `Lock`, as an async mutex around a value.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::sem_core::{Acquiring, SemCore, poll_acquire};

/// An async mutex: [`lock`](Lock::lock) waits until no other task holds the
/// lock and returns a guard to the value inside, which unlocks when
/// dropped. Tasks waiting to lock are served first come, first served.
///
/// A `Lock` is a cheap `Clone` handle to shared state; `Lock::default()`
/// guards `()`, like gevent's plain `Lock`.
///
/// # Examples
///
/// ```
/// use grove::sync::Lock;
///
/// grove::run(async {
///     let counter = Lock::new(0);
///     let tasks: Vec<_> = (0..10)
///         .map(|_| {
///             let counter = counter.clone();
///             grove::spawn(async move {
///                 let mut n = counter.lock().await;
///                 grove::yield_now().await; // others wait meanwhile
///                 *n += 1;
///             })
///         })
///         .collect();
///     grove::joinall(tasks).await;
///     assert_eq!(*counter.lock().await, 10);
/// });
/// ```
pub struct Lock<T = ()> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    sem: SemCore,
    value: RefCell<T>,
}

impl<T> Lock<T> {
    /// An unlocked lock around `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = grove::sync::Lock::new(vec![1, 2]);
    /// assert!(!lock.is_locked());
    /// ```
    pub fn new(value: T) -> Lock<T> {
        Lock {
            inner: Rc::new(Inner {
                sem: SemCore::new(1, Some(1)),
                value: RefCell::new(value),
            }),
        }
    }

    /// Waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let lock = grove::sync::Lock::new(String::new());
    ///     lock.lock().await.push_str("hi");
    ///     assert_eq!(*lock.lock().await, "hi");
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the line; if the lock had already been
    /// handed to it, it passes to the next in line.
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            lock: self,
            waiter: Acquiring::new(&self.inner.sem),
        }
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = grove::sync::Lock::new(1);
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none());
    /// # drop(guard);
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.inner.sem.try_acquire().then(|| self.guard())
    }

    /// Whether some task holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = grove::sync::Lock::new(());
    /// let guard = lock.try_lock();
    /// assert!(lock.is_locked());
    /// # drop(guard);
    /// ```
    pub fn is_locked(&self) -> bool {
        self.inner.sem.available() == 0
    }

    fn guard(&self) -> LockGuard<'_, T> {
        LockGuard {
            lock: self,
            value: Some(self.inner.value.borrow_mut()),
        }
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Lock<T> {
        Lock::new(T::default())
    }
}

impl<T> Clone for Lock<T> {
    fn clone(&self) -> Self {
        Lock {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.is_locked())
            .field("waiting", &self.inner.sem.waiting())
            .finish()
    }
}

/// Access to the value of a held [`Lock`]; unlocks when dropped.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let lock = grove::sync::Lock::new(1);
///     let mut guard: grove::sync::LockGuard<'_, i32> = lock.lock().await;
///     *guard += 1;
///     drop(guard);
///     assert_eq!(*lock.lock().await, 2);
/// });
/// ```
pub struct LockGuard<'a, T> {
    lock: &'a Lock<T>,
    /// Always `Some` until the guard drops.
    value: Option<RefMut<'a, T>>,
}

impl<'a, T> LockGuard<'a, T> {
    /// The lock this guard holds (for [`Condition::wait`](super::Condition::wait)).
    pub(crate) fn lock(&self) -> &'a Lock<T> {
        self.lock
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_ref().expect("the guard holds the value until it drops")
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("the guard holds the value until it drops")
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // Let go of the value before the next holder can be woken.
        self.value = None;
        // A held lock is below its bound of one.
        let _ = self.lock.inner.sem.release();
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockGuard").field(&**self).finish()
    }
}

/// The future of [`Lock::lock`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let lock = grove::sync::Lock::new(0);
///     let waiting: grove::sync::lock::LockFuture<'_, i32> = lock.lock();
///     assert_eq!(*waiting.await, 0);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct LockFuture<'a, T> {
    lock: &'a Lock<T>,
    waiter: Acquiring<&'a SemCore>,
}

impl<'a, T> Future for LockFuture<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = &mut *self;
        poll_acquire(&mut this.waiter, cx).map(|()| this.lock.guard())
    }
}

impl<T> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockFuture").field(&self.waiter).finish()
    }
}
