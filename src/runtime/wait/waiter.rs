//! The one waiter type every waiting future holds: a place in a
//! [`WaitList`], and the way back to that list, so that a future dropped
//! mid-wait leaves the line by itself.
//!
//! A primitive describes each of its lines once, as a [`Line`]: where the
//! list sits in its state, and whether a notification that a dropped
//! waiter never collected goes on to the next waiter (a permit, an item, a
//! wake-up for room, a `Condition`'s notification) or is dropped with it
//! (an event's or a join's wake-up, sent to all anyway; a putter's refused
//! item). No primitive writes a `Drop` of its own.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use super::list::{WaitKey, WaitList, wake_all};

/// One line of waiters in a primitive's state.
pub(crate) trait Line {
    /// The primitive's state, which holds the list.
    type State;
    /// What a waiter's node carries: an item, or `()`.
    type Value;
    /// Whether a notification that reached a waiter dropped before it
    /// collected it goes to the next waiter in line.
    const PASS_ON: bool;

    /// The list of this line.
    fn list(state: &mut Self::State) -> &mut WaitList<Self::Value>;

    /// A notification passed on found nobody waiting: the primitive keeps
    /// what it carried (a permit goes back to the count, an item back to
    /// the buffer), or gives it back to be dropped once unlocked.
    fn unclaimed(state: &mut Self::State, value: Option<Self::Value>) -> Option<Self::Value> {
        let _ = state;
        value
    }
}

/// How a waiter reaches the state that holds its list: a `RefCell` for the
/// runtime's own primitives, a `Mutex` for state shared with other threads.
pub(crate) trait Lock<S> {
    /// The state, borrowed or locked.
    fn lock(&self) -> impl DerefMut<Target = S> + '_;
}

impl<S> Lock<S> for RefCell<S> {
    fn lock(&self) -> impl DerefMut<Target = S> + '_ {
        self.borrow_mut()
    }
}

impl<S> Lock<S> for Mutex<S> {
    fn lock(&self) -> impl DerefMut<Target = S> + '_ {
        // Every update under these locks is complete before anything that
        // could panic, so a poisoned state is still consistent.
        Mutex::lock(self).unwrap_or_else(PoisonError::into_inner)
    }
}

/// A waiting future's place in line `L` of the state behind `P`.
///
/// Dropped while in line, it leaves the line; dropped after it was
/// notified but before it collected the notification, it passes the
/// notification on (see [`Line::PASS_ON`]). Either way nothing handed to
/// it is lost, and a value it still held is dropped after the state is
/// released, so the value's destructor never runs under a primitive's
/// borrow. (A waker the list replaces is dropped under it: dropping a
/// waker is expected to be cheap and not to re-enter its primitive.)
pub(crate) struct Waiter<P, L>
where
    P: Deref,
    P::Target: Lock<L::State>,
    L: Line,
{
    owner: P,
    place: Place,
    _line: PhantomData<fn() -> L>,
}

/// A waiter's key in its list, if it is in one. Only the list's methods
/// below use it.
#[derive(Default)]
pub(crate) struct Place(Option<WaitKey>);

impl<P, L> Waiter<P, L>
where
    P: Deref,
    P::Target: Lock<L::State>,
    L: Line,
{
    /// A waiter not in line yet.
    #[inline]
    pub(crate) fn new(owner: P) -> Waiter<P, L> {
        Waiter {
            owner,
            place: Place(None),
            _line: PhantomData,
        }
    }

    /// What the waiter reaches its list through.
    #[inline]
    pub(crate) fn owner(&self) -> &P {
        &self.owner
    }

    /// Whether the waiter is in line, or notified and not yet collected.
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        self.place.0.is_some()
    }

    /// The state, locked, with this waiter's place.
    #[inline]
    pub(crate) fn lock(&mut self) -> (impl DerefMut<Target = L::State> + '_, &mut Place) {
        (self.owner.lock(), &mut self.place)
    }
}

impl Place {
    /// Whether the waiter is in line, or notified and not yet collected.
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        self.0.is_some()
    }

    /// Joins the back of `list`, carrying `value`.
    #[inline]
    pub(crate) fn push<T>(&mut self, list: &mut WaitList<T>, waker: &Waker, value: Option<T>) {
        debug_assert!(self.0.is_none(), "a waiter joined a line twice");
        self.0 = Some(list.push(waker, value));
    }

    /// `Ready` with the node's value once notified (the waiter is then out
    /// of line); `Pending`, with the waker updated, while in line. A waiter
    /// not in line is `Ready(None)`.
    #[inline]
    pub(crate) fn poll<T>(&mut self, list: &mut WaitList<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        list.poll(&mut self.0, cx)
    }

    /// Joins `list` on the first call, polls the place on later ones.
    #[inline]
    pub(crate) fn poll_or_push<T>(&mut self, list: &mut WaitList<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if self.0.is_some() {
            return self.poll(list, cx);
        }
        self.push(list, cx.waker(), None);
        Poll::Pending
    }

    /// As [`poll_or_push`](Place::poll_or_push), but once notified the waiter
    /// keeps its notification until it [`leave`](Place::leave)s: dropped
    /// before, it passes the notification on.
    pub(crate) fn poll_or_push_notified<T>(&mut self, list: &mut WaitList<T>, cx: &mut Context<'_>) -> Poll<()> {
        match self.0 {
            Some(key) => list.poll_notified(key, cx),
            None => {
                self.push(list, cx.waker(), None);
                Poll::Pending
            }
        }
    }

    /// Leaves `list` without passing anything on: for a wait that ended
    /// for another reason (the primitive closed, its value arrived).
    pub(crate) fn leave<T>(&mut self, list: &mut WaitList<T>) -> Option<T> {
        let key = self.0.take()?;
        list.remove(key).1
    }
}

impl<P, L> Drop for Waiter<P, L>
where
    P: Deref,
    P::Target: Lock<L::State>,
    L: Line,
{
    #[inline]
    fn drop(&mut self) {
        // Most waits end collected, out of line: nothing to do.
        if self.place.0.is_some() {
            self.cancel();
        }
    }
}

impl<P, L> Waiter<P, L>
where
    P: Deref,
    P::Target: Lock<L::State>,
    L: Line,
{
    /// Leaves the line for a future dropped mid-wait (see the type's docs).
    #[cold]
    #[inline(never)]
    fn cancel(&mut self) {
        let Some(key) = self.place.0.take() else { return };
        let (waker, leftover) = {
            let mut state = self.owner.lock();
            let list = L::list(&mut state);
            match list.remove(key) {
                (true, value) if L::PASS_ON => match list.notify_one(value) {
                    Ok(waker) => (waker, None),
                    Err(value) => (None, L::unclaimed(&mut state, value)),
                },
                (_, value) => (None, value),
            }
        };
        drop(leftover);
        wake_all(waker);
    }
}

impl<P, L> fmt::Debug for Waiter<P, L>
where
    P: Deref,
    P::Target: Lock<L::State>,
    L: Line,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("waiting", &self.place.0.is_some())
            .finish()
    }
}
