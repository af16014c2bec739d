//! gevent's `Condition`, over a [`Lock`].

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;

use super::lock::LockGuard;
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};

/// A condition variable: a task holding a [`Lock`](super::Lock) waits with
/// [`wait`](Condition::wait), which gives up the lock, sleeps until
/// [`notify`](Condition::notify)ed, and takes the lock back. Waiters are
/// notified first come, first served.
///
/// A `Condition` is a cheap `Clone` handle to shared state.
///
/// # Examples
///
/// ```
/// use grove::sync::{Condition, Lock};
///
/// grove::run(async {
///     let (items, ready) = (Lock::new(Vec::new()), Condition::new());
///     let consumer = {
///         let (items, ready) = (items.clone(), ready.clone());
///         grove::spawn(async move {
///             let mut guard = items.lock().await;
///             while guard.is_empty() {
///                 guard = ready.wait(guard).await;
///             }
///             guard.pop().unwrap()
///         })
///     };
///     grove::yield_now().await;
///     items.lock().await.push("work");
///     ready.notify(1);
///     assert_eq!(consumer.await.unwrap(), "work");
/// });
/// ```
#[derive(Clone, Default)]
pub struct Condition {
    waiters: Rc<RefCell<WaitList<()>>>,
}

impl Condition {
    /// A condition nobody waits on.
    ///
    /// # Examples
    ///
    /// ```
    /// let _ready = grove::sync::Condition::new();
    /// ```
    pub fn new() -> Condition {
        Condition::default()
    }

    /// Gives up the lock held by `guard`, waits for a notification, then
    /// waits for the lock again and returns the new guard. The waiter joins
    /// the line before the lock is given up, so a notification sent right
    /// after cannot be missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::sync::{Condition, Lock};
    ///
    /// grove::run(async {
    ///     let (flag, cond) = (Lock::new(false), Condition::new());
    ///     let (f, c) = (flag.clone(), cond.clone());
    ///     let setter = grove::spawn(async move {
    ///         *f.lock().await = true;
    ///         c.notify_all();
    ///     });
    ///     let mut guard = flag.lock().await;
    ///     while !*guard {
    ///         guard = cond.wait(guard).await;
    ///     }
    ///     setter.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// The lock is given up when the wait begins either way. If the future
    /// is dropped after it was notified (also while it waits to take the
    /// lock back), the notification passes to the next waiter, so
    /// `notify(n)` still wakes `n` tasks.
    pub async fn wait<'a, T>(&self, guard: LockGuard<'a, T>) -> LockGuard<'a, T> {
        let lock = guard.lock();
        let mut guard = Some(guard);
        let mut waiter = Waiter::<_, Sleepers>::new(&*self.waiters);
        poll_fn(|cx| {
            let notified = {
                let (mut list, place) = waiter.lock();
                place.poll_or_push_notified(&mut list, cx)
            };
            // In line now: the lock can go.
            guard = None;
            notified
        })
        .await;
        // The notification stays uncollected until the lock is back: a wait
        // dropped meanwhile passes it on.
        let guard = lock.lock().await;
        let (mut list, place) = waiter.lock();
        place.leave(&mut list);
        guard
    }

    /// Waits until `predicate` holds for the value the lock guards: checks
    /// it, and while it fails, [`wait`](Condition::wait)s and checks again.
    /// Returns the guard, with the predicate true. Python's `wait_for`.
    ///
    /// # Examples
    ///
    /// ```
    /// use grove::sync::{Condition, Lock};
    ///
    /// grove::run(async {
    ///     let (count, cond) = (Lock::new(0), Condition::new());
    ///     let (c, n) = (count.clone(), cond.clone());
    ///     let counter = grove::spawn(async move {
    ///         for _ in 0..3 {
    ///             *c.lock().await += 1;
    ///             n.notify_all();
    ///             grove::yield_now().await;
    ///         }
    ///     });
    ///     let guard = cond.wait_for(count.lock().await, |n| *n == 3).await;
    ///     assert_eq!(*guard, 3);
    ///     drop(guard);
    ///     counter.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`wait`](Condition::wait): a notification that reached the
    /// dropped future passes on to the next waiter.
    pub async fn wait_for<'a, T>(
        &self,
        mut guard: LockGuard<'a, T>,
        mut predicate: impl FnMut(&T) -> bool,
    ) -> LockGuard<'a, T> {
        while !predicate(&guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiters, first come first woken.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = grove::sync::Condition::new();
    /// cond.notify(3); // nobody waits: nothing happens
    /// ```
    pub fn notify(&self, n: usize) {
        let wakers: Vec<_> = {
            let mut waiters = self.waiters.borrow_mut();
            (0..n).map_while(|_| waiters.notify_one(None).ok()).flatten().collect()
        };
        wake_all(wakers);
    }

    /// Wakes every waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::sync::Condition::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        let wakers = self.waiters.borrow_mut().notify_all();
        wake_all(wakers);
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

/// The tasks waiting for a notification. One notified and dropped before it
/// took the lock back passes the notification on.
struct Sleepers;

impl Line for Sleepers {
    type State = WaitList<()>;
    type Value = ();
    const PASS_ON: bool = true;

    fn list(state: &mut WaitList<()>) -> &mut WaitList<()> {
        state
    }
}
