//! The orders a queue can serve items in. Each is a marker type that picks
//! a buffer; the buffer decides where items go in and come out.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

mod sealed {
    /// A queue's storage. Sealed with [`Order`](super::Order): these
    /// methods are the queue's own business.
    pub trait Buffer<T>: Default {
        fn push(&mut self, item: T);
        fn pop(&mut self) -> Option<T>;
        fn peek(&self) -> Option<&T>;
        /// Puts `item` back where the next `pop` finds it.
        fn unpop(&mut self, item: T);
        fn len(&self) -> usize;
    }

    pub trait Sealed {}
}

pub(crate) use sealed::Buffer;

/// How a [`QueueOf`](super::QueueOf) orders its items: [`Fifo`], [`Lifo`],
/// [`Priority`] or [`Rendezvous`]. Sealed.
///
/// # Examples
///
/// ```
/// use grove::queue::{Lifo, QueueOf};
///
/// let stack: QueueOf<u8, Lifo> = QueueOf::<u8, Lifo>::new();
/// stack.try_put(1).unwrap();
/// stack.try_put(2).unwrap();
/// assert_eq!(stack.try_get(), Ok(2));
/// ```
pub trait Order<T>: sealed::Sealed {
    #[doc(hidden)]
    type Buffer: sealed::Buffer<T>;
    #[doc(hidden)]
    /// Whether a put hands control to the getter it serves (`Channel`).
    const HANDOFF: bool = false;
}

/// First in, first out: gevent's `Queue`.
///
/// # Examples
///
/// ```
/// let q = grove::queue::Queue::new();
/// q.try_put('a').unwrap();
/// q.try_put('b').unwrap();
/// assert_eq!(q.try_get(), Ok('a'));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Fifo;

/// Last in, first out: gevent's `LifoQueue`.
///
/// # Examples
///
/// ```
/// let q = grove::queue::LifoQueue::new();
/// q.try_put('a').unwrap();
/// q.try_put('b').unwrap();
/// assert_eq!(q.try_get(), Ok('b'));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Lifo;

/// Lowest first: gevent's `PriorityQueue`.
///
/// # Examples
///
/// ```
/// let q = grove::queue::PriorityQueue::new();
/// q.try_put(3).unwrap();
/// q.try_put(1).unwrap();
/// assert_eq!(q.try_get(), Ok(1));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Priority;

/// No buffer: each put meets a get. gevent's `Channel`.
///
/// # Examples
///
/// ```
/// let c: grove::queue::Channel<u8> = grove::queue::Channel::new();
/// assert!(c.try_put(1).is_err(), "no getter is waiting");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Rendezvous;

impl sealed::Sealed for Fifo {}
impl sealed::Sealed for Lifo {}
impl sealed::Sealed for Priority {}
impl sealed::Sealed for Rendezvous {}

impl<T> Order<T> for Fifo {
    type Buffer = VecDeque<T>;
}

impl<T> Order<T> for Lifo {
    type Buffer = Vec<T>;
}

impl<T: Ord> Order<T> for Priority {
    type Buffer = BinaryHeap<Reverse<T>>;
}

/// The buffer of a rendezvous only ever holds items handed to a getter that
/// was dropped before it could take them: they wait for the next getter.
impl<T> Order<T> for Rendezvous {
    type Buffer = VecDeque<T>;
    const HANDOFF: bool = true;
}

impl<T> sealed::Buffer<T> for VecDeque<T> {
    fn push(&mut self, item: T) {
        self.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.pop_front()
    }
    fn peek(&self) -> Option<&T> {
        self.front()
    }
    fn unpop(&mut self, item: T) {
        self.push_front(item);
    }
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
}

impl<T> sealed::Buffer<T> for Vec<T> {
    fn push(&mut self, item: T) {
        Vec::push(self, item);
    }
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
    fn peek(&self) -> Option<&T> {
        self.last()
    }
    fn unpop(&mut self, item: T) {
        Vec::push(self, item);
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

impl<T: Ord> sealed::Buffer<T> for BinaryHeap<Reverse<T>> {
    fn push(&mut self, item: T) {
        BinaryHeap::push(self, Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        BinaryHeap::pop(self).map(|Reverse(item)| item)
    }
    fn peek(&self) -> Option<&T> {
        BinaryHeap::peek(self).map(|Reverse(item)| item)
    }
    fn unpop(&mut self, item: T) {
        BinaryHeap::push(self, Reverse(item));
    }
    fn len(&self) -> usize {
        BinaryHeap::len(self)
    }
}
