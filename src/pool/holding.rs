//! A future that holds a guard while it runs: a pool's slot, a group's
//! membership.
//!
//! Written out rather than as `async move { let _guard = guard; future.await }`:
//! an async block that moves a captured future into an `.await` keeps room
//! for it twice, so each such wrapper doubles the task cell (a 9 KB fetch
//! became a 35 KB cell under a `Pool`, which wraps twice). This one adds
//! only the guard.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

pin_project! {
    /// `future`, with `guard` dropped as soon as it completes (or when it
    /// is dropped unfinished).
    pub(super) struct Holding<F, G> {
        #[pin]
        future: F,
        guard: Option<G>,
    }
}

impl<F, G> Holding<F, G> {
    pub(super) fn new(future: F, guard: G) -> Holding<F, G> {
        Holding {
            future,
            guard: Some(guard),
        }
    }
}

impl<F: Future, G> Future for Holding<F, G> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.future.poll(cx));
        drop(this.guard.take());
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_goes_when_the_future_completes_and_the_cell_stays_small() {
        let inner = async { [0u8; 1000].len() };
        let size = std::mem::size_of_val(&inner);
        let held = Holding::new(inner, std::rc::Rc::new(()));
        assert!(std::mem::size_of_val(&held) <= size + 16);
        let guard = std::rc::Rc::new(());
        let mut held = std::pin::pin!(Holding::new(async { 7 }, guard.clone()));
        assert_eq!(std::rc::Rc::strong_count(&guard), 2);
        let waker = futures::task::noop_waker();
        assert_eq!(held.as_mut().poll(&mut Context::from_waker(&waker)), Poll::Ready(7));
        assert_eq!(std::rc::Rc::strong_count(&guard), 1, "dropped on completion");
    }
}
