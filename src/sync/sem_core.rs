//! The counting core shared by `Semaphore`, `BoundedSemaphore`, `Lock` and
//! `RLock`: a permit count and a line of waiters, served first come first
//! served. A released permit goes straight to the first waiter (it never
//! passes through the count), so a newcomer cannot take it from under a
//! waiter.

use std::cell::RefCell;
use std::task::{Context, Poll};

use super::error::OverRelease;
use super::waiters::{WaitKey, WaitList};

pub(crate) struct SemCore {
    permits: usize,
    /// Permits handed to notified waiters that have not collected them yet:
    /// still counted against the bound.
    handed: usize,
    /// The most permits there may be (`BoundedSemaphore`, locks).
    max: Option<usize>,
    waiters: WaitList<()>,
}

impl SemCore {
    pub(crate) fn new(permits: usize, max: Option<usize>) -> RefCell<SemCore> {
        RefCell::new(SemCore {
            permits,
            handed: 0,
            max,
            waiters: WaitList::default(),
        })
    }

    pub(crate) fn available(cell: &RefCell<SemCore>) -> usize {
        cell.borrow().permits
    }

    pub(crate) fn waiting(cell: &RefCell<SemCore>) -> usize {
        cell.borrow().waiters.len()
    }

    /// Takes a permit if one is free and nobody is in line.
    pub(crate) fn try_acquire(cell: &RefCell<SemCore>) -> bool {
        let mut sem = cell.borrow_mut();
        if sem.permits > 0 && sem.waiters.is_empty() {
            sem.permits -= 1;
            return true;
        }
        false
    }

    /// Takes a permit, or waits in line for one. `key` is the caller's place
    /// in line; `Ready` means the caller holds a permit.
    pub(crate) fn poll_acquire(cell: &RefCell<SemCore>, key: &mut Option<WaitKey>, cx: &mut Context<'_>) -> Poll<()> {
        if key.is_none() && Self::try_acquire(cell) {
            return Poll::Ready(());
        }
        let mut sem = cell.borrow_mut();
        let poll = sem.waiters.poll_or_push(key, cx, || None);
        if poll.is_ready() {
            sem.handed -= 1;
        }
        poll.map(drop)
    }

    /// Leaves the line. A permit already handed to this waiter is released
    /// again, to the next in line, so none leaks.
    pub(crate) fn cancel(cell: &RefCell<SemCore>, key: WaitKey) {
        let notified = {
            let mut sem = cell.borrow_mut();
            let (notified, _) = sem.waiters.remove(key);
            if notified {
                sem.handed -= 1;
            }
            notified
        };
        if notified {
            // Giving back the permit it held cannot exceed the bound.
            let _ = Self::release(cell);
        }
    }

    /// Gives a permit back: to the first waiter, or to the count.
    ///
    /// # Errors
    /// If the count is already at its bound.
    pub(crate) fn release(cell: &RefCell<SemCore>) -> Result<(), OverRelease> {
        let waker = {
            let mut sem = cell.borrow_mut();
            // Free and in-flight permits both count: with every permit one
            // or the other, nobody holds one to give back.
            if sem.max.is_some_and(|max| sem.permits + sem.handed >= max) {
                return Err(OverRelease(()));
            }
            match sem.waiters.notify_one(None) {
                Ok(waker) => {
                    sem.handed += 1;
                    waker
                }
                Err(_) => {
                    sem.permits += 1;
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}
