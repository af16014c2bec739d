//! The state every queue shares, whatever its order: the buffer, the
//! getters and putters in line, and the count of unfinished items.
//!
//! Items move in one of three ways: into the buffer, straight from a put to
//! a waiting getter's node, or from a waiting putter's node into the buffer
//! (or straight to a getter, for a rendezvous). Each move that hands an item
//! on notifies a waiter through the waiter list, which schedules this
//! runtime's tasks on the spot and returns any other waker, to be woken once
//! the `RefCell` borrow is released.

use std::cell::{RefCell, RefMut};
use std::marker::PhantomData;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::error::Closed;
use super::order::{Buffer, Order};
use crate::sync::waiters::{WaitKey, WaitList, wake_all};

pub(crate) type Shared<T, O> = Rc<RefCell<State<T, O>>>;

pub(crate) struct State<T, O: Order<T>> {
    pub(crate) buf: O::Buffer,
    /// `None`: unbounded. `Some(0)`: a rendezvous.
    pub(crate) capacity: Option<usize>,
    /// Tasks waiting for an item; an item may be handed to their node. For a
    /// rendezvous, the getter served runs next (a handoff).
    pub(crate) getters: WaitList<T>,
    /// Tasks waiting for room; each node carries the item to put.
    pub(crate) putters: WaitList<T>,
    pub(crate) closed: bool,
    /// Items put and not yet marked done (`task_done`).
    pub(crate) unfinished: usize,
    /// Tasks waiting for `unfinished` to reach zero.
    pub(crate) joiners: WaitList<()>,
    _order: PhantomData<O>,
}

impl<T, O: Order<T>> State<T, O> {
    pub(crate) fn new(capacity: Option<usize>) -> Shared<T, O> {
        Rc::new(RefCell::new(State {
            buf: O::Buffer::default(),
            capacity,
            getters: WaitList::new(O::HANDOFF),
            putters: WaitList::default(),
            closed: false,
            unfinished: 0,
            joiners: WaitList::default(),
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
    #[inline(always)]
    pub(crate) fn try_put(&mut self, item: T) -> Result<Option<Waker>, T> {
        if self.closed {
            return Err(item);
        }
        // Most puts into a queue find no getter waiting: skip offering the
        // item to an empty line.
        let item = if self.getters.is_empty() {
            item
        } else {
            match self.getters.notify_one(Some(item)) {
                Ok(waker) => {
                    self.unfinished += 1;
                    return Ok(waker);
                }
                Err(item) => item.expect("the item offered"),
            }
        };
        if self.is_full() {
            return Err(item);
        }
        self.buf.push(item);
        self.unfinished += 1;
        Ok(None)
    }

    /// Takes an item without waiting, with the waker of a putter whose item
    /// moved in meanwhile.
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

    /// Gives an item that reached a dropped getter to the next getter, or
    /// back to where the next get finds it first.
    fn redeliver(&mut self, item: T) -> Option<Waker> {
        match self.getters.notify_one(Some(item)) {
            Ok(waker) => waker,
            Err(item) => {
                self.buf.unpop(item.expect("the item offered"));
                None
            }
        }
    }
}

/// Polls a get whose place in line is `key`.
///
/// A get from a buffered queue mostly finds an item there; that path is
/// inlined into the caller, whose loop then keeps its registers, while the
/// rarer wait is a call. A rendezvous's gets nearly always wait, so there
/// the wait is inlined too.
#[inline(always)]
pub(crate) fn poll_get<T, O: Order<T>>(
    shared: &Shared<T, O>,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, Closed>> {
    let mut state = shared.borrow_mut();
    if key.is_none() {
        state = match take_now(state) {
            Ok(item) => return Poll::Ready(Ok(item)),
            Err(state) => state,
        };
    }
    if O::HANDOFF {
        wait_to_get(state, key, cx)
    } else {
        wait_to_get_outlined(state, key, cx)
    }
}

/// Takes an item if one is there, waking a putter whose item moved in
/// meanwhile once the borrow is released; gives the borrow back if not.
#[inline(always)]
fn take_now<T, O: Order<T>>(mut state: RefMut<'_, State<T, O>>) -> Result<T, RefMut<'_, State<T, O>>> {
    match state.try_get() {
        Some((item, waker)) => {
            drop(state);
            wake_all(waker);
            Ok(item)
        }
        None => Err(state),
    }
}

/// [`wait_to_get`] as a call of its own.
#[inline(never)]
fn wait_to_get_outlined<T, O: Order<T>>(
    state: RefMut<'_, State<T, O>>,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, Closed>> {
    wait_to_get(state, key, cx)
}

/// The rest of [`poll_get`]: a get that must wait, or was waiting.
#[inline(always)]
fn wait_to_get<T, O: Order<T>>(
    mut state: RefMut<'_, State<T, O>>,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, Closed>> {
    if key.is_some() {
        match state.getters.poll(key, cx) {
            Poll::Ready(Some(item)) => return Poll::Ready(Ok(item)),
            // Woken by `close` with no item: look again (an item passed on
            // by a dropped getter may have come back to the buffer).
            Poll::Ready(None) => {
                state = match take_now(state) {
                    Ok(item) => return Poll::Ready(Ok(item)),
                    Err(state) => state,
                };
            }
            Poll::Pending => return Poll::Pending,
        }
    }
    if state.closed {
        return Poll::Ready(Err(Closed(())));
    }
    *key = Some(state.getters.push(cx.waker(), None));
    Poll::Pending
}

/// A get dropped mid-wait: leaves the line, passing on any item handed to it.
pub(crate) fn cancel_get<T, O: Order<T>>(shared: &Shared<T, O>, key: WaitKey) {
    let waker = {
        let mut state = shared.borrow_mut();
        match state.getters.remove(key) {
            (true, Some(item)) => state.redeliver(item),
            _ => None,
        }
    };
    wake_all(waker);
}

/// Polls a put of `item` (taken on the first poll) whose place in line is
/// `key`. Inlined into the caller, as [`poll_get`]'s first path is.
#[inline(always)]
pub(crate) fn poll_put<T, O: Order<T>>(
    shared: &Shared<T, O>,
    item: &mut Option<T>,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Closed<T>>> {
    let mut state = shared.borrow_mut();
    if key.is_none() {
        if let Some(value) = item.take() {
            match state.try_put(value) {
                Ok(waker) => {
                    drop(state);
                    wake_all(waker);
                    return Poll::Ready(Ok(()));
                }
                Err(value) => *item = Some(value),
            }
        }
    }
    wait_to_put(&mut state, item, key, cx)
}

/// The rest of [`poll_put`], out of its way: a put that must wait, or was
/// waiting. A put into a buffered queue mostly finds room, and a rendezvous
/// put in a ping-pong finds its getter waiting; with this code kept apart
/// their path saves fewer registers. A rendezvous put that comes before its
/// getter pays a call here.
#[cold]
#[inline(never)]
fn wait_to_put<T, O: Order<T>>(
    state: &mut State<T, O>,
    item: &mut Option<T>,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Closed<T>>> {
    if key.is_some() {
        // Notified with the item still in the node means it was refused.
        return state
            .putters
            .poll(key, cx)
            .map(|refused| refused.map_or(Ok(()), |item| Err(Closed(item))));
    }
    match item.take() {
        // Polled again after it finished.
        None => Poll::Ready(Ok(())),
        Some(value) if state.closed => Poll::Ready(Err(Closed(value))),
        Some(value) => {
            *key = Some(state.putters.push(cx.waker(), Some(value)));
            Poll::Pending
        }
    }
}

/// A put dropped mid-wait: leaves the line; its item, never delivered, is
/// dropped with it.
pub(crate) fn cancel_put<T, O: Order<T>>(shared: &Shared<T, O>, key: WaitKey) {
    let removed = shared.borrow_mut().putters.remove(key);
    drop(removed);
}

/// Closes the queue: waiting getters (of an empty queue) get `Closed`, and
/// waiting putters get their items back.
pub(crate) fn close<T, O: Order<T>>(shared: &Shared<T, O>) {
    let wakers = {
        let mut state = shared.borrow_mut();
        state.closed = true;
        let mut wakers = state.getters.notify_all();
        wakers.extend(state.putters.notify_all());
        wakers
    };
    wake_all(wakers);
}
