//! The orders a queue can serve items in. Each is a marker type that picks
//! the buffer and how items go in and out of it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

mod sealed {
    pub trait Sealed {}
}

/// How a [`QueueOf`](super::QueueOf) orders its items: [`Fifo`], [`Lifo`],
/// [`Priority`] or [`Rendezvous`]. Sealed: the methods are the queue's own
/// business.
pub trait Order<T>: sealed::Sealed {
    #[doc(hidden)]
    type Buffer: Default;
    #[doc(hidden)]
    /// Whether a put hands control to the getter it serves (`Channel`).
    const HANDOFF: bool = false;
    #[doc(hidden)]
    fn push(buf: &mut Self::Buffer, item: T);
    #[doc(hidden)]
    fn pop(buf: &mut Self::Buffer) -> Option<T>;
    #[doc(hidden)]
    fn peek(buf: &Self::Buffer) -> Option<&T>;
    #[doc(hidden)]
    /// Puts `item` back where the next `pop` finds it.
    fn unpop(buf: &mut Self::Buffer, item: T);
    #[doc(hidden)]
    fn len(buf: &Self::Buffer) -> usize;
}

/// First in, first out: gevent's `Queue`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fifo;

/// Last in, first out: gevent's `LifoQueue`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lifo;

/// Lowest first: gevent's `PriorityQueue`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Priority;

/// No buffer: each put meets a get. gevent's `Channel`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rendezvous;

impl sealed::Sealed for Fifo {}
impl sealed::Sealed for Lifo {}
impl sealed::Sealed for Priority {}
impl sealed::Sealed for Rendezvous {}

impl<T> Order<T> for Fifo {
    type Buffer = VecDeque<T>;
    fn push(buf: &mut VecDeque<T>, item: T) {
        buf.push_back(item);
    }
    fn pop(buf: &mut VecDeque<T>) -> Option<T> {
        buf.pop_front()
    }
    fn peek(buf: &VecDeque<T>) -> Option<&T> {
        buf.front()
    }
    fn unpop(buf: &mut VecDeque<T>, item: T) {
        buf.push_front(item);
    }
    fn len(buf: &VecDeque<T>) -> usize {
        buf.len()
    }
}

impl<T> Order<T> for Lifo {
    type Buffer = Vec<T>;
    fn push(buf: &mut Vec<T>, item: T) {
        buf.push(item);
    }
    fn pop(buf: &mut Vec<T>) -> Option<T> {
        buf.pop()
    }
    fn peek(buf: &Vec<T>) -> Option<&T> {
        buf.last()
    }
    fn unpop(buf: &mut Vec<T>, item: T) {
        buf.push(item);
    }
    fn len(buf: &Vec<T>) -> usize {
        buf.len()
    }
}

impl<T: Ord> Order<T> for Priority {
    type Buffer = BinaryHeap<Reverse<T>>;
    fn push(buf: &mut Self::Buffer, item: T) {
        buf.push(Reverse(item));
    }
    fn pop(buf: &mut Self::Buffer) -> Option<T> {
        buf.pop().map(|Reverse(item)| item)
    }
    fn peek(buf: &Self::Buffer) -> Option<&T> {
        buf.peek().map(|Reverse(item)| item)
    }
    fn unpop(buf: &mut Self::Buffer, item: T) {
        buf.push(Reverse(item));
    }
    fn len(buf: &Self::Buffer) -> usize {
        buf.len()
    }
}

/// The buffer of a rendezvous only ever holds items handed to a getter that
/// was dropped before it could take them: they wait for the next getter.
impl<T> Order<T> for Rendezvous {
    type Buffer = VecDeque<T>;
    const HANDOFF: bool = true;
    fn push(buf: &mut VecDeque<T>, item: T) {
        buf.push_back(item);
    }
    fn pop(buf: &mut VecDeque<T>) -> Option<T> {
        buf.pop_front()
    }
    fn peek(buf: &VecDeque<T>) -> Option<&T> {
        buf.front()
    }
    fn unpop(buf: &mut VecDeque<T>, item: T) {
        buf.push_front(item);
    }
    fn len(buf: &VecDeque<T>) -> usize {
        buf.len()
    }
}
