//! A cancellation signal that fans out: a token and its children.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::runtime::coop;
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};

/// A signal that work should stop: [`cancel`](CancelToken::cancel) it once,
/// and every task awaiting [`cancelled`](CancelToken::cancelled) on it, or
/// on any of its [`child`](CancelToken::child)ren (and theirs), wakes up.
/// Cancelling a child leaves its parent alone.
///
/// A `CancelToken` is a cheap `Clone` handle to shared state: clones are
/// the same token. A child costs one allocation, and the parent forgets
/// children that were dropped. A child keeps its parent's state alive, so
/// dropping every handle to a token between an ancestor and a descendant
/// still lets the ancestor's cancel reach the descendant.
///
/// # Examples
///
/// ```
/// use grove::sync::CancelToken;
///
/// grove::run(async {
///     let shutdown = CancelToken::new();
///     let workers: Vec<_> = (0..3)
///         .map(|_| {
///             let token = shutdown.child();
///             grove::spawn(async move {
///                 token.cancelled().await;
///                 "stopped"
///             })
///         })
///         .collect();
///     shutdown.cancel();
///     for worker in workers {
///         assert_eq!(worker.await.unwrap(), "stopped");
///     }
/// });
/// ```
#[derive(Clone, Default)]
pub struct CancelToken {
    node: Rc<RefCell<Node>>,
}

#[derive(Default)]
struct Node {
    cancelled: bool,
    waiters: WaitList<()>,
    /// Children, which go when they are dropped.
    children: Vec<Weak<RefCell<Node>>>,
    /// The number of children at the last sweep of dropped ones.
    swept: usize,
    /// The parent, held so that it lives while this node does: a cancel
    /// reaches a node only down its ancestors' `children`, which a dropped
    /// middle token would otherwise cut.
    parent: Option<Rc<RefCell<Node>>>,
}

impl Drop for Node {
    /// Lets go of the ancestors one at a time, so that dropping the last
    /// token of a long chain of children does not recurse once per link.
    fn drop(&mut self) {
        let mut parent = self.parent.take();
        while let Some(node) = parent {
            parent = Rc::try_unwrap(node)
                .ok()
                .and_then(|mut node| node.get_mut().parent.take());
        }
    }
}

impl CancelToken {
    /// A token not cancelled yet.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!grove::sync::CancelToken::new().is_cancelled());
    /// ```
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels the token and all its descendants: their
    /// [`cancelled`](CancelToken::cancelled) futures complete. Cancelling
    /// again does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = grove::sync::CancelToken::new();
    /// let child = token.child();
    /// token.cancel();
    /// assert!(token.is_cancelled() && child.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        // A tree of any depth, one node at a time. A cancelled node needs
        // its ancestors no more: it lets go of its parent, once no borrow
        // is held.
        let mut pending = vec![self.node.clone()];
        let mut parents = Vec::new();
        while let Some(node) = pending.pop() {
            let wakers = {
                let mut node = node.borrow_mut();
                if node.cancelled {
                    continue;
                }
                node.cancelled = true;
                parents.extend(node.parent.take());
                pending.extend(node.children.drain(..).filter_map(|child| child.upgrade()));
                node.waiters.notify_all()
            };
            wake_all(wakers);
        }
        drop(parents);
    }

    /// Whether the token was cancelled (itself, or through an ancestor).
    ///
    /// # Examples
    ///
    /// ```
    /// let token = grove::sync::CancelToken::new();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.borrow().cancelled
    }

    /// A new token, cancelled when this one is (and at once if it already
    /// is), and which can be cancelled on its own.
    ///
    /// # Examples
    ///
    /// ```
    /// let parent = grove::sync::CancelToken::new();
    /// let child = parent.child();
    /// child.cancel();
    /// assert!(!parent.is_cancelled(), "cancelling a child leaves the parent alone");
    /// ```
    pub fn child(&self) -> CancelToken {
        let child = CancelToken::new();
        let mut node = self.node.borrow_mut();
        if node.cancelled {
            child.node.borrow_mut().cancelled = true;
            return child;
        }
        child.node.borrow_mut().parent = Some(self.node.clone());
        // Forget dropped children whenever their number has doubled, so a
        // long-lived parent of short-lived children stays small.
        if node.children.len() >= 2 * node.swept.max(8) {
            node.children.retain(|c| c.strong_count() > 0);
            node.swept = node.children.len();
        }
        node.children.push(Rc::downgrade(&child.node));
        child
    }

    /// Waits until the token is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let token = grove::sync::CancelToken::new();
    ///     let t = token.clone();
    ///     let waiter = grove::spawn(async move { t.cancelled().await });
    ///     grove::yield_now().await;
    ///     token.cancel();
    ///     waiter.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future takes it out of the line and changes nothing else.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            waiter: Waiter::new(self.node.clone()),
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// The future of [`CancelToken::cancelled`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let token = grove::sync::CancelToken::new();
///     token.cancel();
///     let done: grove::sync::cancel::Cancelled = token.cancelled();
///     done.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Cancelled {
    waiter: Waiter<Rc<RefCell<Node>>, Waiting>,
}

impl Future for Cancelled {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (mut node, place) = self.waiter.lock();
        if !place.is_waiting() && node.cancelled {
            // Completes without waiting: counts against the task's budget.
            std::task::ready!(coop::poll_budget(cx));
            coop::spend();
            return Poll::Ready(());
        }
        place.poll_or_push(&mut node.waiters, cx).map(drop)
    }
}

/// The tasks waiting for cancellation, woken all at once.
struct Waiting;

impl Line for Waiting {
    type State = Node;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(node: &mut Node) -> &mut WaitList<()> {
        &mut node.waiters
    }
}

#[cfg(test)]
mod tests {
    use super::CancelToken;

    #[test]
    fn dropped_children_do_not_pile_up_in_a_long_lived_parent() {
        let parent = CancelToken::new();
        let keep: Vec<_> = (0..10).map(|_| parent.child()).collect();
        for _ in 0..100_000 {
            drop(parent.child());
        }
        let remembered = parent.node.borrow().children.len();
        assert!(remembered <= 64, "{remembered} children remembered, 10 alive");
        parent.cancel();
        assert!(keep.iter().all(CancelToken::is_cancelled));
    }

    #[test]
    fn a_cancelled_child_lets_go_of_its_parent() {
        let parent = CancelToken::new();
        let child = parent.child();
        assert_eq!(std::rc::Rc::strong_count(&parent.node), 2, "the child holds its parent");
        child.cancel();
        assert_eq!(std::rc::Rc::strong_count(&parent.node), 1);
        assert!(child.is_cancelled() && !parent.is_cancelled());
    }

    #[test]
    fn the_last_token_of_a_long_chain_of_children_drops_without_recursing() {
        // Fewer under Miri, which is some thousand times slower; a
        // recursive drop of a million links overflows the test's stack.
        let depth = if cfg!(miri) { 1_000 } else { 1_000_000 };
        let root = CancelToken::new();
        let mut last = root.child();
        for _ in 0..depth {
            last = last.child();
        }
        drop(root);
        // Only `last` holds the chain now, up to the root.
        drop(last);
    }
}
