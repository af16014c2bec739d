//! The one waiter list under every primitive: FIFO order, wake one, wake
//! all, and removal when a waiting future is dropped.
//!
//! A waiter is a node in a slab, linked into a FIFO while it waits. A node
//! may carry a value both ways: a putter parks its item in its node for a
//! getter to take, and a getter's node receives an item handed to it. When a
//! node is *notified* it leaves the FIFO but stays in the slab until its
//! future collects it. If the future is dropped first, [`WaitList::remove`]
//! gives back whatever the node still holds, so that the primitive can pass
//! it on: no item, permit or wake-up is lost to a cancelled wait.
//!
//! Wakers are returned to the caller rather than woken here, so that they
//! are woken after the primitive's `RefCell` borrow is released.

use std::task::{Context, Poll, Waker};

use slab::Slab;

/// Identifies one waiter in its list.
pub(crate) type WaitKey = usize;

struct Node<T> {
    waker: Option<Waker>,
    value: Option<T>,
    notified: bool,
    prev: Option<WaitKey>,
    next: Option<WaitKey>,
}

/// Waiters in FIFO order.
pub(crate) struct WaitList<T> {
    nodes: Slab<Node<T>>,
    head: Option<WaitKey>,
    tail: Option<WaitKey>,
    waiting: usize,
}

impl<T> Default for WaitList<T> {
    fn default() -> WaitList<T> {
        WaitList {
            nodes: Slab::new(),
            head: None,
            tail: None,
            waiting: 0,
        }
    }
}

impl<T> WaitList<T> {
    /// Whether nobody is waiting (notified waiters not yet collected don't
    /// count).
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// How many are waiting.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Joins the back of the line, carrying `value`.
    pub(crate) fn push(&mut self, waker: &Waker, value: Option<T>) -> WaitKey {
        let key = self.nodes.insert(Node {
            waker: Some(waker.clone()),
            value,
            notified: false,
            prev: self.tail,
            next: None,
        });
        match self.tail {
            Some(tail) => self.nodes[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.waiting += 1;
        key
    }

    /// Polls the waiter `key`: `Ready` with its node's value once notified
    /// (the node is then gone), `Pending` with the waker updated otherwise.
    pub(crate) fn poll(&mut self, key: &mut Option<WaitKey>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(k) = *key else { return Poll::Ready(None) };
        let node = &mut self.nodes[k];
        if node.notified {
            *key = None;
            return Poll::Ready(self.nodes.remove(k).value);
        }
        if !node.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            node.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Registers a new waiter in `key`, or polls the one already there.
    pub(crate) fn poll_or_push(
        &mut self,
        key: &mut Option<WaitKey>,
        cx: &mut Context<'_>,
        value: impl FnOnce() -> Option<T>,
    ) -> Poll<Option<T>> {
        if key.is_some() {
            return self.poll(key, cx);
        }
        *key = Some(self.push(cx.waker(), value()));
        Poll::Pending
    }

    /// Takes a waiter out, for a future dropped mid-wait. Returns whether it
    /// had been notified, and the value its node still held.
    pub(crate) fn remove(&mut self, key: WaitKey) -> (bool, Option<T>) {
        if !self.nodes[key].notified {
            self.unlink(key);
        }
        let node = self.nodes.remove(key);
        (node.notified, node.value)
    }

    /// Notifies the first waiter, handing it `value` if given, and returns
    /// its waker; or gives `value` back if nobody waits.
    pub(crate) fn notify_one(&mut self, value: Option<T>) -> Result<Option<Waker>, Option<T>> {
        let Some(key) = self.head else { return Err(value) };
        self.unlink(key);
        let node = &mut self.nodes[key];
        node.notified = true;
        if value.is_some() {
            node.value = value;
        }
        Ok(node.waker.take())
    }

    /// Notifies the first waiter and takes the value it carried (a parked
    /// putter's item), with its waker.
    pub(crate) fn take_one(&mut self) -> Option<(T, Option<Waker>)> {
        let key = self.head?;
        self.unlink(key);
        let node = &mut self.nodes[key];
        node.notified = true;
        let value = node.value.take().expect("waiters taken with take_one carry a value");
        Some((value, node.waker.take()))
    }

    /// Notifies every waiter, in FIFO order, leaving their values in place.
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::with_capacity(self.waiting);
        while let Some(key) = self.head {
            self.unlink(key);
            let node = &mut self.nodes[key];
            node.notified = true;
            wakers.extend(node.waker.take());
        }
        wakers
    }

    /// The value carried by the first waiter.
    pub(crate) fn first_value(&self) -> Option<&T> {
        self.nodes[self.head?].value.as_ref()
    }

    fn unlink(&mut self, key: WaitKey) {
        let (prev, next) = (self.nodes[key].prev.take(), self.nodes[key].next.take());
        match prev {
            Some(p) => self.nodes[p].next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.nodes[n].prev = prev,
            None => self.tail = prev,
        }
        self.waiting -= 1;
    }
}

/// Wakes `wakers` in order.
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    wakers.into_iter().for_each(Waker::wake);
}
