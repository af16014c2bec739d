//! The counting core shared by `Semaphore`, `BoundedSemaphore`, `Lock` and
//! `RLock`: a permit count and a line of waiters, served first come first
//! served. A released permit goes straight to the first waiter (it never
//! passes through the count), so a newcomer cannot take it from under a
//! waiter.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::task::{Context, Poll};

use super::error::OverRelease;
use crate::runtime::coop;
use crate::runtime::wait::{Line, Lock, WaitList, Waiter, wake_all};

/// Permits and the waiters for them.
pub(crate) struct SemCore(RefCell<Permits>);

pub(crate) struct Permits {
    /// Free permits.
    count: usize,
    /// Permits handed to notified waiters that have not collected them yet:
    /// still counted against the bound.
    handed: usize,
    /// The most permits there may be (`BoundedSemaphore`, locks).
    max: Option<usize>,
    /// Permits taken and forgotten (`Permit::forget`): the ones a bounded
    /// semaphore's `release` may give back.
    forgotten: usize,
    waiters: WaitList<()>,
}

/// The line of tasks waiting for a permit. A waiter dropped with a permit
/// handed to it passes the permit to the next in line, or back to the count.
pub(crate) struct Acquirers;

impl Line for Acquirers {
    type State = Permits;
    type Value = ();
    const PASS_ON: bool = true;

    fn list(state: &mut Permits) -> &mut WaitList<()> {
        &mut state.waiters
    }

    fn unclaimed(state: &mut Permits, _: Option<()>) -> Option<()> {
        state.handed -= 1;
        state.add_free();
        None
    }
}

impl Permits {
    /// Adds a free permit. An unbounded count stops at `usize::MAX`, a
    /// count that never runs out, rather than wrap to none.
    fn add_free(&mut self) {
        self.count = self.count.saturating_add(1);
    }
}

impl Lock<Permits> for SemCore {
    fn lock(&self) -> impl DerefMut<Target = Permits> + '_ {
        self.0.borrow_mut()
    }
}

/// A waiter for a permit of the core behind `P`.
pub(crate) type Acquiring<P> = Waiter<P, Acquirers>;

impl SemCore {
    /// `permits` free permits, and at most `max` in all.
    pub(crate) fn new(permits: usize, max: Option<usize>) -> SemCore {
        SemCore(RefCell::new(Permits {
            count: permits,
            handed: 0,
            max,
            forgotten: 0,
            waiters: WaitList::default(),
        }))
    }

    /// Free permits.
    pub(crate) fn available(&self) -> usize {
        self.0.borrow().count
    }

    /// Waiters in line.
    pub(crate) fn waiting(&self) -> usize {
        self.0.borrow().waiters.len()
    }

    /// Takes a permit if one is free and nobody is in line.
    pub(crate) fn try_acquire(&self) -> bool {
        let mut sem = self.0.borrow_mut();
        if sem.count > 0 && sem.waiters.is_empty() {
            sem.count -= 1;
            return true;
        }
        false
    }

    /// A permit was taken for good: only a manual release gives it back.
    pub(crate) fn forgot(&self) {
        self.0.borrow_mut().forgotten += 1;
    }

    /// Gives back a permit that was forgotten.
    ///
    /// # Errors
    /// If no permit is forgotten: the only permits out are held, and each
    /// gives itself back when dropped.
    pub(crate) fn release_forgotten(&self) -> Result<(), OverRelease> {
        {
            let mut sem = self.0.borrow_mut();
            sem.forgotten = sem.forgotten.checked_sub(1).ok_or(OverRelease(()))?;
        }
        self.release()
    }

    /// Gives a permit back: to the first waiter, or to the count.
    ///
    /// # Errors
    /// If the count is already at its bound.
    pub(crate) fn release(&self) -> Result<(), OverRelease> {
        let waker = {
            let mut sem = self.0.borrow_mut();
            // Free and in-flight permits both count: with every permit one
            // or the other, nobody holds one to give back.
            if sem.max.is_some_and(|max| sem.count + sem.handed >= max) {
                return Err(OverRelease(()));
            }
            match sem.waiters.notify_one(None) {
                Ok(waker) => {
                    sem.handed += 1;
                    waker
                }
                Err(_) => {
                    sem.add_free();
                    None
                }
            }
        };
        wake_all(waker);
        Ok(())
    }
}

/// Takes a permit for `waiter`, or waits in line for one. `Ready` means
/// the caller holds a permit. Counts against the task's budget.
#[inline]
pub(crate) fn poll_acquire<P>(waiter: &mut Acquiring<P>, cx: &mut Context<'_>) -> Poll<()>
where
    P: Deref<Target = SemCore>,
{
    std::task::ready!(coop::poll_budget(cx));
    if !waiter.is_waiting() && waiter.owner().try_acquire() {
        coop::spend();
        return Poll::Ready(());
    }
    let (mut sem, place) = waiter.lock();
    let poll = place.poll_or_push(&mut sem.waiters, cx);
    if poll.is_ready() {
        sem.handed -= 1;
        coop::spend();
    }
    poll.map(drop)
}
