//! The one waiter list under every primitive: FIFO order, wake one, wake
//! all, and removal when a waiting future is dropped.
//!
//! A waiter is a node in the list's arena, linked into a FIFO while it waits. A node
//! may carry a value both ways: a putter parks its item in its node for a
//! getter to take, and a getter's node receives an item handed to it. When a
//! node is *notified* it leaves the FIFO but stays in the arena until its
//! future collects it. If the future is dropped first, its `Waiter` (see
//! `waiter.rs`) removes the node and passes on whatever it still holds: no
//! item, permit or wake-up is lost to a cancelled wait.
//!
//! # Waking
//!
//! A notified waiter that is a task of the runtime current on this thread
//! (or its `block_on` future) is scheduled on the spot: that only queues it,
//! and runs no user code under the primitive's `RefCell` borrow. Any other
//! waker is returned to the caller, to be woken once the borrow is released.
//!
//! A node keeps its task's waker when it is notified, and the last free node
//! keeps it when freed, so a task that waits on the same list again (a
//! `Channel` ping-pong, a lock taken in a loop) reuses it instead of cloning
//! a new one: cloning and dropping a task waker each cost an atomic
//! operation on the task's reference count. At most one freed node per list
//! holds a waker, so a list keeps at most one finished task's memory alive.

use std::mem;
use std::task::{Context, Poll, Waker};

use crate::runtime::context::wake_here;
use crate::runtime::core::contain;

/// Identifies one waiter in its list.
pub(super) type WaitKey = u32;

/// No node: the end of a line or of the free list.
const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// On the free list, holding no value.
    Free,
    /// In line.
    Waiting,
    /// Out of line, until its future collects it.
    Notified,
}

struct Node<T> {
    /// The waiter's waker; a no-op waker once given away (see `wake`).
    waker: Waker,
    value: Option<T>,
    stage: Stage,
    /// In line: the neighbours. Free: `next` is the next free node.
    prev: u32,
    next: u32,
}

/// Waiters in FIFO order.
///
/// Nodes live in one vector and are linked by index; freed nodes go on a
/// free list and are reused first, so a list that waits and wakes in turn
/// keeps using the same warm node.
pub(crate) struct WaitList<T> {
    nodes: Vec<Node<T>>,
    free: u32,
    head: u32,
    tail: u32,
    waiting: usize,
    /// Whether a notified task runs next, ahead of the tasks already queued
    /// (a rendezvous's getters), rather than at the back of the run queue.
    handoff: bool,
}

impl<T> Default for WaitList<T> {
    fn default() -> WaitList<T> {
        WaitList::new(false)
    }
}

impl<T> WaitList<T> {
    /// An empty list; with `handoff`, the tasks it notifies run next.
    pub(crate) fn new(handoff: bool) -> WaitList<T> {
        WaitList {
            nodes: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            waiting: 0,
            handoff,
        }
    }

    /// Whether nobody is waiting (notified waiters not yet collected don't
    /// count).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// How many are waiting.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Joins the back of the line, carrying `value`.
    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    pub(super) fn push(&mut self, waker: &Waker, value: Option<T>) -> WaitKey {
        let prev = self.tail;
        let key = if self.free == NIL {
            let key = u32::try_from(self.nodes.len())
                .ok()
                .filter(|&k| k != NIL)
                .expect("more than u32::MAX - 1 waiters on one primitive");
            self.nodes.push(Node {
                waker: waker.clone(),
                value,
                stage: Stage::Waiting,
                prev,
                next: NIL,
            });
            key
        } else {
            let key = self.free;
            let node = &mut self.nodes[key as usize];
            self.free = node.next;
            if !node.waker.will_wake(waker) {
                node.waker = waker.clone();
            }
            node.value = value;
            node.stage = Stage::Waiting;
            node.prev = prev;
            node.next = NIL;
            key
        };
        match prev {
            NIL => self.head = key,
            tail => self.nodes[tail as usize].next = key,
        }
        self.tail = key;
        self.waiting += 1;
        key
    }

    /// Polls the waiter `key`: `Ready` with its node's value once notified
    /// (the node is then gone), `Pending` with the waker updated otherwise.
    #[inline]
    pub(super) fn poll(&mut self, key: &mut Option<WaitKey>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(k) = *key else { return Poll::Ready(None) };
        let node = &mut self.nodes[k as usize];
        debug_assert!(node.stage != Stage::Free, "polled a freed waiter");
        if node.stage == Stage::Notified {
            *key = None;
            return Poll::Ready(self.release(k));
        }
        if !node.waker.will_wake(cx.waker()) {
            node.waker = cx.waker().clone();
        }
        Poll::Pending
    }

    /// Polls the waiter `key` as [`poll`](WaitList::poll) does, but leaves a
    /// notified node in the arena, holding its notification until it is
    /// removed: a waiter whose wait goes on after the notification (a
    /// condition's waiter taking its lock back) can still pass it on.
    pub(super) fn poll_notified(&mut self, key: WaitKey, cx: &mut Context<'_>) -> Poll<()> {
        let node = &mut self.nodes[key as usize];
        debug_assert!(node.stage != Stage::Free, "polled a freed waiter");
        if node.stage == Stage::Notified {
            return Poll::Ready(());
        }
        if !node.waker.will_wake(cx.waker()) {
            node.waker = cx.waker().clone();
        }
        Poll::Pending
    }

    /// Takes a waiter out, for a future dropped mid-wait. Returns whether it
    /// had been notified, and the value its node still held.
    pub(super) fn remove(&mut self, key: WaitKey) -> (bool, Option<T>) {
        let stage = self.nodes[key as usize].stage;
        debug_assert!(stage != Stage::Free, "removed a freed waiter");
        let notified = stage == Stage::Notified;
        if !notified {
            self.unlink(key);
        }
        (notified, self.release(key))
    }

    /// Notifies the first waiter, handing it `value` if given. Returns the
    /// waker left to wake (see the module docs), or gives `value` back if
    /// nobody waits.
    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    pub(crate) fn notify_one(&mut self, value: Option<T>) -> Result<Option<Waker>, Option<T>> {
        if self.head == NIL {
            return Err(value);
        }
        let handoff = self.handoff;
        let node = self.notify_head();
        if value.is_some() {
            node.value = value;
        }
        Ok(wake(node, handoff))
    }

    /// Notifies the first waiter and takes the value it carried (a parked
    /// putter's item), with the waker left to wake.
    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    pub(crate) fn take_one(&mut self) -> Option<(T, Option<Waker>)> {
        if self.head == NIL {
            return None;
        }
        let handoff = self.handoff;
        let node = self.notify_head();
        let value = node.value.take().expect("waiters taken with take_one carry a value");
        Some((value, wake(node, handoff)))
    }

    /// Notifies every waiter, in FIFO order, leaving their values in place.
    /// Returns the wakers left to wake.
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        let handoff = self.handoff;
        let mut wakers = Vec::new();
        while self.head != NIL {
            wakers.extend(wake(self.notify_head(), handoff));
        }
        wakers
    }

    /// The value carried by the first waiter.
    pub(crate) fn first_value(&self) -> Option<&T> {
        if self.head == NIL {
            return None;
        }
        self.nodes[self.head as usize].value.as_ref()
    }

    /// Takes the first waiter out of line as notified; the line is not empty.
    #[inline]
    fn notify_head(&mut self) -> &mut Node<T> {
        let key = self.head;
        self.unlink(key);
        let node = &mut self.nodes[key as usize];
        node.stage = Stage::Notified;
        node
    }

    #[inline]
    fn unlink(&mut self, key: WaitKey) {
        let node = &self.nodes[key as usize];
        let (prev, next) = (node.prev, node.next);
        match prev {
            NIL => self.head = next,
            p => self.nodes[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.nodes[n as usize].prev = prev,
        }
        self.waiting -= 1;
    }

    /// Frees a node that is out of line, returning the value it held. Only
    /// the last free node keeps its waker, for the next push to reuse.
    #[inline]
    fn release(&mut self, key: WaitKey) -> Option<T> {
        let keep_waker = self.free == NIL;
        let node = &mut self.nodes[key as usize];
        node.stage = Stage::Free;
        if !keep_waker {
            node.waker = Waker::noop().clone();
        }
        node.next = self.free;
        self.free = key;
        node.value.take()
    }
}

/// Wakes a notified node's task in place if it is one of the current
/// runtime's; otherwise gives its waker away, for the caller to wake after
/// releasing its borrow.
// The hop path: see `runtime/wait/mod.rs`.
#[inline(always)]
fn wake<T>(node: &mut Node<T>, handoff: bool) -> Option<Waker> {
    if wake_here(&node.waker, handoff) {
        None
    } else {
        Some(mem::replace(&mut node.waker, Waker::noop().clone()))
    }
}

/// Wakes `wakers` in order. A waker that panics (a foreign waker is user
/// code) does not keep the ones after it from being woken: its panic, which
/// the panic hook has reported, goes no further.
#[inline]
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    let mut wakers = wakers.into_iter();
    // Usually there is none (a current task is woken in place, see `wake`):
    // the unwind guard is set up only for a waker to wake.
    while let Some(first) = wakers.next() {
        contain(|| {
            first.wake();
            wakers.by_ref().for_each(Waker::wake);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use futures::task::noop_waker;

    use super::WaitList;

    /// A waker whose `Arc` counts how many copies of it are alive.
    struct Counted;

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {}
    }

    fn counted() -> (Arc<Counted>, Waker) {
        let arc = Arc::new(Counted);
        (arc.clone(), Waker::from(arc))
    }

    /// Copies of the waker alive beyond the test's own two (`arc`, `waker`).
    fn copies(arc: &Arc<Counted>) -> usize {
        Arc::strong_count(arc) - 2
    }

    #[test]
    fn a_freed_node_keeps_its_waker_for_the_next_wait_of_the_same_waker() {
        let (arc, waker) = counted();
        let mut list: WaitList<()> = WaitList::default();
        let key = list.push(&waker, None);
        assert_eq!(copies(&arc), 1);
        list.remove(key);
        assert_eq!(copies(&arc), 1, "the free node keeps it");
        let key = list.push(&waker, None);
        assert_eq!(copies(&arc), 1, "and the next push reuses it: no clone");
        list.remove(key);
        drop(list);
        assert_eq!(copies(&arc), 0);
    }

    #[test]
    fn at_most_one_freed_node_holds_a_waker() {
        let (arc, waker) = counted();
        let mut list: WaitList<()> = WaitList::default();
        let keys: Vec<_> = (0..4).map(|_| list.push(&waker, None)).collect();
        assert_eq!(copies(&arc), 4);
        for key in keys {
            list.remove(key);
        }
        assert_eq!(copies(&arc), 1);
    }

    #[test]
    // Miri gives each use of a vtable its own address, so `will_wake`
    // never finds two `Arc` wakers equal there.
    #[cfg_attr(miri, ignore)]
    fn a_notified_foreign_waker_is_handed_back_not_kept() {
        let (arc, waker) = counted();
        let mut list: WaitList<()> = WaitList::default();
        let mut key = Some(list.push(&waker, None));
        // No grove runtime here: the waker is the caller's to wake.
        let handed = list.notify_one(None).expect("a waiter").expect("a waker to wake");
        assert!(handed.will_wake(&waker));
        drop(handed);
        assert_eq!(copies(&arc), 0, "the node kept no copy");
        let mut cx = Context::from_waker(&waker);
        assert_eq!(list.poll(&mut key, &mut cx), Poll::Ready(None));
    }

    #[test]
    // Miri gives each use of a vtable its own address, so `will_wake`
    // never finds two `Arc` wakers equal there.
    #[cfg_attr(miri, ignore)]
    fn a_waiter_polled_with_another_waker_swaps_it() {
        let (first, waker) = counted();
        let (second, other) = counted();
        let mut list: WaitList<()> = WaitList::default();
        let mut key = Some(list.push(&waker, None));
        let mut cx = Context::from_waker(&other);
        assert_eq!(list.poll(&mut key, &mut cx), Poll::Pending);
        assert_eq!((copies(&first), copies(&second)), (0, 1));
        let handed = list.notify_one(None).unwrap().unwrap();
        assert!(handed.will_wake(&other));
    }

    /// Drains the line with `notify_one`, collecting each waiter's value
    /// through `poll` as its future would.
    fn drain(list: &mut WaitList<u32>, keys: &mut [Option<u32>]) -> Vec<u32> {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut order = Vec::new();
        while list.notify_one(None).is_ok() {}
        for key in keys.iter_mut().filter(|k| k.is_some()) {
            match list.poll(key, &mut cx) {
                Poll::Ready(Some(v)) => order.push(v),
                other => panic!("a notified waiter polled {other:?}"),
            }
        }
        order
    }

    #[test]
    fn removal_at_head_middle_and_tail_keeps_fifo_order() {
        let waker = noop_waker();
        let mut list = WaitList::default();
        let mut keys: Vec<_> = (0..5).map(|v| Some(list.push(&waker, Some(v)))).collect();
        for i in [0, 2, 4] {
            assert_eq!(list.remove(keys[i].take().unwrap()), (false, Some(i as u32)));
        }
        assert_eq!(list.len(), 2);
        assert_eq!(list.first_value(), Some(&1));
        assert_eq!(drain(&mut list, &mut keys), [1, 3]);
        assert!(list.is_empty());
        assert_eq!(list.first_value(), None);
    }

    #[test]
    fn freed_nodes_are_reused_and_relinked_in_order() {
        let waker = noop_waker();
        let mut list = WaitList::default();
        let first: Vec<_> = (0..3).map(|v| list.push(&waker, Some(v))).collect();
        for key in first {
            list.remove(key);
        }
        // The arena does not grow: new waiters take the freed nodes.
        let mut keys: Vec<_> = (10..13).map(|v| Some(list.push(&waker, Some(v)))).collect();
        assert_eq!(list.nodes.len(), 3);
        let taken = list.take_one().map(|(v, _)| v);
        assert_eq!(taken, Some(10));
        // A taken waiter is notified with its value gone; its future collects nothing.
        let mut cx = Context::from_waker(&waker);
        assert_eq!(list.poll(&mut keys[0], &mut cx), Poll::Ready(None));
        assert_eq!(drain(&mut list, &mut keys), [11, 12]);
    }

    #[test]
    fn a_waiter_dropped_after_notification_gives_back_what_it_was_handed() {
        let waker = noop_waker();
        let mut list = WaitList::default();
        let key = list.push(&waker, None);
        assert!(list.notify_one(Some(7)).is_ok());
        assert!(list.is_empty());
        assert_eq!(list.remove(key), (true, Some(7)));
        assert_eq!(list.notify_one(Some(8)).unwrap_err(), Some(8));
    }
}
