//! gevent's `Group`: a set of tasks to join or kill together.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use slab::Slab;

use crate::runtime::task::Killer;
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};
use crate::task::JoinHandle;

/// A set of tasks: [`spawn`](Group::spawn) adds one, it leaves the group
/// when it finishes (or is killed), [`join`](Group::join) waits until the
/// group is empty and [`kill`](Group::kill) kills every member.
///
/// A `Group` is a cheap `Clone` handle to shared state.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let group = grove::pool::Group::new();
///     for ms in [10, 20] {
///         group.spawn(grove::sleep(Duration::from_millis(ms)));
///     }
///     assert_eq!(group.len(), 2);
///     group.join().await;
///     assert!(group.is_empty());
/// });
/// ```
#[derive(Clone, Default)]
pub struct Group {
    state: Rc<RefCell<State>>,
}

#[derive(Default)]
struct State {
    members: Slab<Killer>,
    /// Waiting for the group to become empty.
    joiners: WaitList<()>,
}

impl Group {
    /// An empty group.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::pool::Group::new().len(), 0);
    /// ```
    pub fn new() -> Group {
        Group::default()
    }

    /// Spawns `future` as a task in the group and returns its handle.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::new();
    ///     let task = group.spawn(async { 5 });
    ///     assert_eq!(task.await.unwrap(), 5);
    ///     assert!(group.is_empty());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let key = self.state.borrow().members.vacant_key();
        let membership = Membership {
            state: self.state.clone(),
            key,
        };
        let handle = crate::spawn(async move {
            let _membership = membership;
            future.await
        });
        // The task cannot have run yet, so the key is still vacant.
        self.state.borrow_mut().members.insert(handle.killer());
        handle
    }

    /// How many tasks of the group have not finished.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::new();
    ///     group.spawn(async {});
    ///     assert_eq!(group.len(), 1);
    ///     group.join().await;
    ///     assert_eq!(group.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.state.borrow().members.len()
    }

    /// Whether every task of the group has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(grove::pool::Group::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Kills every task of the group (see [`JoinHandle::kill`]); await
    /// [`join`](Group::join) to wait until they are gone.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::new();
    ///     let task = group.spawn(std::future::pending::<()>());
    ///     group.kill();
    ///     group.join().await;
    ///     assert!(task.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) {
        let state = self.state.borrow();
        for (_, member) in state.members.iter() {
            member.kill();
        }
    }

    /// Waits until every task of the group has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::new();
    ///     group.spawn(grove::yield_now());
    ///     group.join().await;
    ///     assert!(group.is_empty());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future changes nothing about the group.
    pub fn join(&self) -> Join {
        Join {
            waiter: Waiter::new(self.state.clone()),
        }
    }
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group").field("len", &self.len()).finish()
    }
}

/// Lives in a member task's future and takes it out of the group when the
/// future is dropped, whether it finished or was killed.
struct Membership {
    state: Rc<RefCell<State>>,
    key: usize,
}

impl Drop for Membership {
    fn drop(&mut self) {
        let wakers = {
            let mut state = self.state.borrow_mut();
            drop(state.members.try_remove(self.key));
            if !state.members.is_empty() {
                return;
            }
            state.joiners.notify_all()
        };
        wake_all(wakers);
    }
}

/// The future of [`Group::join`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let group = grove::pool::Group::new();
///     let join: grove::pool::group::Join = group.join();
///     join.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Join {
    waiter: Waiter<Rc<RefCell<State>>, Joiners>,
}

impl Future for Join {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (mut state, place) = self.waiter.lock();
        if !place.is_waiting() && state.members.is_empty() {
            return Poll::Ready(());
        }
        place.poll_or_push(&mut state.joiners, cx).map(drop)
    }
}

/// The tasks waiting for the group to empty, woken all at once.
struct Joiners;

impl Line for Joiners {
    type State = State;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State) -> &mut WaitList<()> {
        &mut state.joiners
    }
}
