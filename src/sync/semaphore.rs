//! gevent's `Semaphore` and `BoundedSemaphore`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::OverRelease;
use super::sem_core::{Acquiring, SemCore, poll_acquire};

/// A counting semaphore: [`acquire`](Semaphore::acquire) waits for one of
/// its permits, and the [`Permit`] gives it back when dropped. Waiters are
/// served first come, first served.
///
/// [`release`](Semaphore::release) may add permits beyond the initial count,
/// as gevent's `Semaphore` allows; [`BoundedSemaphore`] refuses that.
/// A `Semaphore` is a cheap `Clone` handle to shared state.
///
/// # Examples
///
/// ```
/// use grove::sync::Semaphore;
///
/// grove::run(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await;
///     let _b = sem.acquire().await;
///     assert_eq!(sem.available(), 0);
///     drop(a);
///     assert_eq!(sem.available(), 1);
/// });
/// ```
#[derive(Clone)]
pub struct Semaphore {
    core: Rc<SemCore>,
}

impl Semaphore {
    /// A semaphore with `permits` permits. With `usize::MAX` it never runs
    /// out: the count stays there however many are released.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::sync::Semaphore::new(3).available(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore::with_bound(permits, None)
    }

    fn with_bound(permits: usize, max: Option<usize>) -> Semaphore {
        Semaphore {
            core: Rc::new(SemCore::new(permits, max)),
        }
    }

    /// Waits for a permit.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let sem = grove::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert!(sem.try_acquire().is_none());
    ///     drop(permit);
    ///     assert!(sem.try_acquire().is_some());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the line. If a permit had already been
    /// handed to it, the permit goes to the next in line (or back to the
    /// count): none leaks.
    pub fn acquire(&self) -> Acquire {
        Acquire {
            waiter: Acquiring::new(self.core.clone()),
        }
    }

    /// Takes a permit if one is free and nobody waits for one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = grove::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// # drop(permit);
    /// ```
    pub fn try_acquire(&self) -> Option<Permit> {
        self.core.try_acquire().then(|| Permit::new(&self.core))
    }

    /// Adds a permit, handing it to the first waiter if there is one: the
    /// manual counterpart of dropping a [`Permit`] (see [`Permit::forget`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = grove::sync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available(), 1);
    /// ```
    pub fn release(&self) {
        self.core
            .release()
            .expect("an unbounded semaphore has no bound to exceed");
    }

    /// How many permits are free.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::sync::Semaphore::new(4).available(), 4);
    /// ```
    pub fn available(&self) -> usize {
        self.core.available()
    }

    /// Gives a forgotten permit back to a bounded semaphore.
    fn release_bounded(&self) -> Result<(), OverRelease> {
        self.core.release_forgotten()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("waiting", &self.core.waiting())
            .finish()
    }
}

/// A semaphore that refuses to be released more times than it was
/// acquired: gevent's `BoundedSemaphore`. Over-release is an `Err`, which
/// catches a permit given back twice.
///
/// # Examples
///
/// ```
/// use grove::sync::BoundedSemaphore;
///
/// grove::run(async {
///     let sem = BoundedSemaphore::new(1);
///     sem.acquire().await.forget();
///     assert!(sem.release().is_ok());
///     assert!(sem.release().is_err());
/// });
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore(Semaphore);

impl BoundedSemaphore {
    /// A semaphore with `permits` permits, never more.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::sync::BoundedSemaphore::new(2).available(), 2);
    /// ```
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore(Semaphore::with_bound(permits, Some(permits)))
    }

    /// Waits for a permit.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let sem = grove::sync::BoundedSemaphore::new(1);
    ///     let _permit = sem.acquire().await;
    ///     assert_eq!(sem.available(), 0);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`Semaphore::acquire`]: no permit leaks.
    pub fn acquire(&self) -> Acquire {
        self.0.acquire()
    }

    /// Takes a permit if one is free and nobody waits for one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = grove::sync::BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit> {
        self.0.try_acquire()
    }

    /// Gives back a permit that was [`forget`](Permit::forget)-ten: the
    /// manual release that pairs with it.
    ///
    /// # Errors
    /// [`OverRelease`] if no permit is forgotten. A permit still held gives
    /// itself back when dropped, so releasing it by hand as well would
    /// count it twice: that is the over-release this type is for catching.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = grove::sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.release(), Ok(()));
    /// ```
    pub fn release(&self) -> Result<(), OverRelease> {
        self.0.release_bounded()
    }

    /// How many permits are free.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::sync::BoundedSemaphore::new(5).available(), 5);
    /// ```
    pub fn available(&self) -> usize {
        self.0.available()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BoundedSemaphore").field(&self.0).finish()
    }
}

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`], given back when
/// dropped.
///
/// # Examples
///
/// ```
/// let sem = grove::sync::Semaphore::new(1);
/// let permit: grove::sync::Permit = sem.try_acquire().unwrap();
/// drop(permit);
/// assert_eq!(sem.available(), 1);
/// ```
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct Permit {
    core: Rc<SemCore>,
    /// Cleared by `forget`: the permit then stays taken when dropped.
    release: bool,
}

impl Permit {
    fn new(core: &Rc<SemCore>) -> Permit {
        Permit {
            core: core.clone(),
            release: true,
        }
    }

    /// Keeps the permit taken without giving it back; release it later with
    /// the semaphore's `release`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = grove::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available(), 0);
    /// ```
    pub fn forget(mut self) {
        self.release = false;
        self.core.forgot();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.release {
            // A permit that exists was taken, so giving it back stays in bounds.
            let _ = self.core.release();
        }
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// The future of [`Semaphore::acquire`] and [`BoundedSemaphore::acquire`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let sem = grove::sync::Semaphore::new(1);
///     let acquire: grove::sync::semaphore::Acquire = sem.acquire();
///     let _permit = acquire.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Acquire {
    waiter: Acquiring<Rc<SemCore>>,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let waiter = &mut self.waiter;
        poll_acquire(waiter, cx).map(|()| Permit::new(waiter.owner()))
    }
}
