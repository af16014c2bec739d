//! The futures of a queue's waiting operations: put, get, join and peek.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::Closed;
use super::order::{Fifo, Order};
use super::state::{self, Getters, Joiners, Peekers, Putters, State};
use crate::runtime::wait::Waiter;

/// The future of [`QueueOf::put`](super::QueueOf::put).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue = grove::queue::Queue::new();
///     let put: grove::queue::Put<'_, i32> = queue.put(1);
///     put.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, O: Order<T> = Fifo> {
    pub(super) item: Option<T>,
    pub(super) waiter: Waiter<&'a RefCell<State<T, O>>, Putters<T, O>>,
}

// Nothing in it is pinned.
impl<T, O: Order<T>> Unpin for Put<'_, T, O> {}

impl<T, O: Order<T>> Future for Put<'_, T, O> {
    type Output = Result<(), Closed<T>>;

    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        state::poll_put(&mut this.item, &mut this.waiter, cx)
    }
}

impl<T, O: Order<T>> fmt::Debug for Put<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Put").field(&self.waiter).finish()
    }
}

/// The future of [`QueueOf::get`](super::QueueOf::get).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue = grove::queue::Queue::new();
///     queue.try_put(4).unwrap();
///     let get: grove::queue::Get<'_, i32> = queue.get();
///     assert_eq!(get.await, Ok(4));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, O: Order<T> = Fifo> {
    pub(super) waiter: Waiter<&'a RefCell<State<T, O>>, Getters<T, O>>,
}

impl<T, O: Order<T>> Future for Get<'_, T, O> {
    type Output = Result<T, Closed>;

    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        state::poll_get(&mut self.waiter, cx)
    }
}

impl<T, O: Order<T>> fmt::Debug for Get<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Get").field(&self.waiter).finish()
    }
}

/// The future of [`QueueOf::join`](super::QueueOf::join).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue: grove::queue::Queue<()> = grove::queue::Queue::new();
///     let join: grove::queue::Join<'_, ()> = queue.join();
///     join.await; // nothing unfinished
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, O: Order<T> = Fifo> {
    pub(super) waiter: Waiter<&'a RefCell<State<T, O>>, Joiners<T, O>>,
}

impl<T, O: Order<T>> Future for Join<'_, T, O> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (mut state, place) = self.waiter.lock();
        if !place.is_waiting() && state.unfinished == 0 {
            return Poll::Ready(());
        }
        place.poll_or_push(&mut state.joiners, cx).map(drop)
    }
}

impl<T, O: Order<T>> fmt::Debug for Join<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Join").field(&self.waiter).finish()
    }
}

/// The future of [`QueueOf::peek_wait`](super::QueueOf::peek_wait).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let queue = grove::queue::Queue::new();
///     queue.try_put(4).unwrap();
///     let peek: grove::queue::PeekWait<'_, i32> = queue.peek_wait();
///     assert_eq!(peek.await, Ok(4));
///     assert_eq!(queue.len(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct PeekWait<'a, T, O: Order<T> = Fifo> {
    pub(super) waiter: Waiter<&'a RefCell<State<T, O>>, Peekers<T, O>>,
}

impl<T: Clone, O: Order<T>> Future for PeekWait<'_, T, O> {
    type Output = Result<T, Closed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        state::poll_peek(&mut self.waiter, cx)
    }
}

impl<T, O: Order<T>> fmt::Debug for PeekWait<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PeekWait").field(&self.waiter).finish()
    }
}
