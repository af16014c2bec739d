//! The state every queue shares, whatever its order: the buffer, the
//! getters and putters in line, and the count of unfinished items.
//!
//! Items move in one of three ways: into the buffer, straight from a put to
//! a waiting getter's node, or from a waiting putter's node into the buffer
//! (or straight to a getter, for a rendezvous). Each move that hands an item
//! on notifies a waiter through the waiter list, which schedules this
//! runtime's tasks on the spot and returns any other waker, to be woken once
//! the `RefCell` borrow is released.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::error::Closed;
use super::order::{Buffer, Order};
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};
use crate::runtime::{context, coop};

pub(crate) type Shared<T, O> = Rc<RefCell<State<T, O>>>;

pub(crate) struct State<T, O: Order<T>> {
    pub(crate) buf: O::Buffer,
    /// `None`: unbounded. `Some(0)`: a rendezvous.
    pub(crate) capacity: Option<usize>,
    /// Tasks waiting for an item; an item may be handed to their node. For a
    /// rendezvous, the getter served runs next (a handoff).
    pub(crate) getters: WaitList<T>,
    /// Tasks waiting for room; each node carries the item to put. For a
    /// rendezvous, the putter whose item is taken runs next.
    pub(crate) putters: WaitList<T>,
    pub(crate) closed: bool,
    /// Items put and not yet marked done (`task_done`).
    pub(crate) unfinished: usize,
    /// Tasks waiting for `unfinished` to reach zero.
    pub(crate) joiners: WaitList<()>,
    /// Tasks waiting for an item to peek at, woken all at once when one
    /// shows (in the buffer, or in a parked putter's node).
    pub(crate) peekers: WaitList<()>,
    _order: PhantomData<O>,
}

/// The getters' line. An item handed to a getter that was dropped before
/// taking it goes to the next getter, or back to where the next get finds
/// it first.
pub(crate) struct Getters<T, O>(PhantomData<(T, O)>);

impl<T, O: Order<T>> Line for Getters<T, O> {
    type State = State<T, O>;
    type Value = T;
    const PASS_ON: bool = true;

    fn list(state: &mut State<T, O>) -> &mut WaitList<T> {
        &mut state.getters
    }

    fn unclaimed(state: &mut State<T, O>, item: Option<T>) -> Option<T> {
        if let Some(item) = item {
            state.buf.unpop(item);
            state.item_shown();
        }
        None
    }
}

/// The putters' line. A put dropped in line takes its item with it; one
/// dropped after the queue closed on it drops the item it was given back.
pub(crate) struct Putters<T, O>(PhantomData<(T, O)>);

impl<T, O: Order<T>> Line for Putters<T, O> {
    type State = State<T, O>;
    type Value = T;
    const PASS_ON: bool = false;

    fn list(state: &mut State<T, O>) -> &mut WaitList<T> {
        &mut state.putters
    }
}

/// The tasks waiting for an item to peek at, woken all at once.
pub(crate) struct Peekers<T, O>(PhantomData<(T, O)>);

impl<T, O: Order<T>> Line for Peekers<T, O> {
    type State = State<T, O>;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State<T, O>) -> &mut WaitList<()> {
        &mut state.peekers
    }
}

/// The tasks waiting for every item to be done. They are woken all at
/// once, so there is nothing to pass on.
pub(crate) struct Joiners<T, O>(PhantomData<(T, O)>);

impl<T, O: Order<T>> Line for Joiners<T, O> {
    type State = State<T, O>;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State<T, O>) -> &mut WaitList<()> {
        &mut state.joiners
    }
}

impl<T, O: Order<T>> State<T, O> {
    pub(crate) fn new(capacity: Option<usize>) -> Shared<T, O> {
        Rc::new(RefCell::new(State {
            buf: O::Buffer::default(),
            capacity,
            getters: WaitList::new(O::HANDOFF),
            // A rendezvous's putter whose item a getter takes runs next as
            // well: control passes both ways.
            putters: WaitList::new(O::HANDOFF),
            closed: false,
            unfinished: 0,
            joiners: WaitList::default(),
            peekers: WaitList::default(),
            _order: PhantomData,
        }))
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.capacity.is_some_and(|c| self.len() >= c)
    }

    /// Puts `item` without waiting: to the first getter, or into the buffer
    /// if there is room. Gives it back if the queue is full or closed.
    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    pub(crate) fn try_put(&mut self, item: T) -> Result<Option<Waker>, T> {
        if self.closed {
            return Err(item);
        }
        if !self.getters.is_empty() {
            let waker = self.getters.notify_one(Some(item)).ok().expect("a getter waits");
            self.unfinished += 1;
            return Ok(waker);
        }
        if self.is_full() {
            return Err(item);
        }
        self.buf.push(item);
        self.unfinished += 1;
        self.item_shown();
        Ok(None)
    }

    /// An item became visible to `peek`: wakes the tasks waiting to peek.
    /// Kept out of the way of puts when nobody peeks.
    #[inline]
    pub(crate) fn item_shown(&mut self) {
        if !self.peekers.is_empty() {
            self.wake_peekers();
        }
    }

    /// Peekers of this runtime are queued in place, like every waiter. A
    /// peeker of another executor is woken here, under the queue's borrow
    /// (unlike the other lines' wakers, which wait for it to be released):
    /// a waker that polled the queue from inside `wake` would find it
    /// borrowed. Executors' wakers queue a task rather than poll it.
    #[cold]
    fn wake_peekers(&mut self) {
        wake_all(self.peekers.notify_all());
    }

    /// The item the next get would take, borrowed.
    pub(crate) fn first(&self) -> Option<&T> {
        self.buf.peek().or_else(|| self.putters.first_value())
    }

    /// Takes an item without waiting, with the waker of a putter whose item
    /// moved in meanwhile.
    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    pub(crate) fn try_get(&mut self) -> Option<(T, Option<Waker>)> {
        if let Some(item) = self.buf.pop() {
            // A slot is free: the first waiting putter's item takes it. (A
            // rendezvous never has room; its putters wait for a getter.)
            let mut waker = None;
            if !self.is_full() {
                if let Some((next, putter)) = self.putters.take_one() {
                    self.buf.push(next);
                    self.unfinished += 1;
                    waker = putter;
                }
            }
            return Some((item, waker));
        }
        // Nothing buffered: a waiting putter hands over directly (a
        // rendezvous, whose buffer is always "full").
        let (item, waker) = self.putters.take_one()?;
        self.unfinished += 1;
        Some((item, waker))
    }
}

/// Polls a get: takes an item if there is one, or waits in line for one.
///
/// A get that completes without waiting counts against the task's budget
/// (see `runtime/coop.rs`); one that collects an item handed to it while it
/// waited does not, as its task was polled anew for it.
// The hop path: see `runtime/wait/mod.rs`.
#[inline(always)]
pub(crate) fn poll_get<P, T, O>(waiter: &mut Waiter<P, Getters<T, O>>, cx: &mut Context<'_>) -> Poll<Result<T, Closed>>
where
    P: Deref<Target = RefCell<State<T, O>>>,
    O: Order<T>,
{
    let (mut state, place) = waiter.lock();
    if place.is_waiting() {
        match place.poll(&mut state.getters, cx) {
            Poll::Ready(Some(item)) => return Poll::Ready(Ok(item)),
            Poll::Pending => return Poll::Pending,
            // Woken by `close` with no item: look again (an item passed on
            // by a dropped getter may have come back to the buffer).
            Poll::Ready(None) => {}
        }
    }
    std::task::ready!(coop::poll_budget(cx));
    if let Some((item, waker)) = state.try_get() {
        drop(state);
        wake_all(waker);
        coop::spend();
        return Poll::Ready(Ok(item));
    }
    if state.closed {
        return Poll::Ready(Err(Closed(())));
    }
    place.push(&mut state.getters, cx.waker(), None);
    Poll::Pending
}

/// Polls a put of `item` (taken on the first poll): hands it over or puts
/// it in if it can, or waits in line with it.
///
/// A put that completes without waiting counts against the task's budget,
/// as a get does. A put to a rendezvous's waiting getter is a switch, as in
/// greenlet: the getter runs next, and the putter is suspended until the
/// getter's poll is over (it waited or yielded), then runs next in turn;
/// the put completes on that poll. It always happens, spending a unit of
/// the budget even when none is left.
// The hop path: see `runtime/wait/mod.rs`.
#[inline(always)]
pub(crate) fn poll_put<P, T, O>(
    item: &mut Option<T>,
    waiter: &mut Waiter<P, Putters<T, O>>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Closed<T>>>
where
    P: Deref<Target = RefCell<State<T, O>>>,
    O: Order<T>,
{
    let (mut state, place) = waiter.lock();
    if place.is_waiting() {
        // Notified with the item still in the node means it was refused.
        return place
            .poll(&mut state.putters, cx)
            .map(|refused| refused.map_or(Ok(()), |item| Err(Closed(item))));
    }
    if !O::HANDOFF {
        std::task::ready!(coop::poll_budget(cx));
    }
    // `None`: polled again after it finished.
    let Some(value) = item.take() else {
        return Poll::Ready(Ok(()));
    };
    match state.try_put(value) {
        Ok(waker) => {
            drop(state);
            if !O::HANDOFF {
                coop::spend();
                return Poll::Ready(Ok(()));
            }
            coop::spend_anyway();
            // A getter of this runtime was scheduled to run next: switch to
            // it. Another executor's getter is woken, and the put is done.
            match waker {
                None if context::switch_back_here(cx.waker()) => Poll::Pending,
                waker => {
                    wake_all(waker);
                    Poll::Ready(Ok(()))
                }
            }
        }
        Err(value) if state.closed => Poll::Ready(Err(Closed(value))),
        Err(value) => {
            place.push(&mut state.putters, cx.waker(), Some(value));
            state.item_shown();
            Poll::Pending
        }
    }
}

/// Closes the queue: waiting getters (of an empty queue) get `Closed`, and
/// waiting putters get their items back. With `now`, the items in the
/// queue are dropped too, and counted as done.
pub(crate) fn close<T, O: Order<T>>(shared: &Shared<T, O>, now: bool) {
    let mut dropped = Vec::new();
    let wakers = {
        let mut state = shared.borrow_mut();
        state.closed = true;
        if now {
            while let Some(item) = state.buf.pop() {
                dropped.push(item);
            }
            state.unfinished = state.unfinished.saturating_sub(dropped.len());
        }
        let mut wakers = state.getters.notify_all();
        wakers.extend(state.putters.notify_all());
        wakers.extend(state.peekers.notify_all());
        if state.unfinished == 0 {
            wakers.extend(state.joiners.notify_all());
        }
        wakers
    };
    // Outside the borrow: an item's destructor may use the queue.
    drop(dropped);
    wake_all(wakers);
}

/// Polls a peek: a copy of the next item once there is one, `Closed` once
/// the queue is closed and empty.
pub(crate) fn poll_peek<P, T, O>(waiter: &mut Waiter<P, Peekers<T, O>>, cx: &mut Context<'_>) -> Poll<Result<T, Closed>>
where
    P: Deref<Target = RefCell<State<T, O>>>,
    O: Order<T>,
    T: Clone,
{
    let (mut state, place) = waiter.lock();
    if place.is_waiting() && place.poll(&mut state.peekers, cx).is_pending() {
        return Poll::Pending;
    }
    if let Some(item) = state.first() {
        return Poll::Ready(Ok(item.clone()));
    }
    if state.closed {
        return Poll::Ready(Err(Closed(())));
    }
    place.push(&mut state.peekers, cx.waker(), None);
    Poll::Pending
}
