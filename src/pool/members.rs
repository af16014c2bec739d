//! What a `Group` shares with its member tasks: who is in it, the results
//! of the tasks it owns, and the tasks waiting on it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use slab::Slab;

use crate::runtime::task::Killer;
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};
use crate::task::{JoinError, TaskId};

pub(super) type Shared<T> = Rc<RefCell<State<T>>>;

/// A member of a group.
pub(super) struct Member {
    pub(super) id: TaskId,
    /// The serial of the membership the member came in under: its key can
    /// be another member's once it was discarded, its serial cannot.
    pub(super) serial: u64,
    pub(super) killer: Killer,
    /// The group owns the task's result, for `join_next`.
    pub(super) owned: bool,
}

pub(crate) struct State<T> {
    /// Unfinished members, under the key their `Membership` carries.
    pub(super) members: Slab<Member>,
    /// Members the group owns the result of, among `members`.
    pub(super) owned: usize,
    /// Results of owned members that finished, in the order they did.
    pub(super) results: VecDeque<(TaskId, Result<T, JoinError>)>,
    /// Waiting for the group to empty.
    joiners: WaitList<()>,
    /// Waiting for the next result.
    next: WaitList<()>,
    /// The serial of the next membership.
    serials: u64,
}

impl<T> Default for State<T> {
    fn default() -> State<T> {
        State {
            members: Slab::new(),
            owned: 0,
            results: VecDeque::new(),
            joiners: WaitList::default(),
            next: WaitList::default(),
            serials: 0,
        }
    }
}

impl<T> State<T> {
    /// A membership for a task about to be entered: the key it will be
    /// entered under, and a serial of its own.
    pub(super) fn membership(state: &Shared<T>) -> Membership<T> {
        let mut this = state.borrow_mut();
        let serial = this.serials;
        this.serials += 1;
        Membership {
            state: state.clone(),
            key: this.members.vacant_key(),
            serial,
        }
    }

    /// Whether the member under `key` came in under `membership`.
    fn holds(&self, membership: &Membership<T>) -> bool {
        self.members
            .get(membership.key)
            .is_some_and(|member| member.serial == membership.serial)
    }

    /// The key of member `id`, if it is still in the group.
    pub(super) fn find(&self, id: TaskId) -> Option<usize> {
        self.members.iter().find(|(_, m)| m.id == id).map(|(key, _)| key)
    }

    /// Takes member `key` out, if it is still in: the member, and the
    /// joiners to wake if that emptied the group.
    pub(super) fn leave(&mut self, key: usize) -> (Option<Member>, Vec<std::task::Waker>) {
        let member = self.members.try_remove(key);
        if let Some(member) = &member {
            self.owned -= usize::from(member.owned);
        }
        let wakers = if self.members.is_empty() {
            self.joiners.notify_all()
        } else {
            Vec::new()
        };
        (member, wakers)
    }
}

/// Lives in a member task's future and takes it out of the group when the
/// future is dropped, whether it finished or was killed.
pub(super) struct Membership<T> {
    state: Shared<T>,
    key: usize,
    pub(super) serial: u64,
}

impl<T> Membership<T> {
    /// An owned member finished with `result`: it comes out of `join_next`,
    /// unless the member was discarded meanwhile.
    pub(super) fn deliver(&self, id: TaskId, result: Result<T, JoinError>) {
        let (waker, discarded) = {
            let mut state = self.state.borrow_mut();
            if state.holds(self) {
                state.results.push_back((id, result));
                (state.next.notify_one(None).ok().flatten(), None)
            } else {
                (None, Some(result))
            }
        };
        drop(discarded);
        wake_all(waker);
    }
}

impl<T> Drop for Membership<T> {
    /// Takes the member out, unless it was discarded: its key may hold
    /// another member by now.
    fn drop(&mut self) {
        let (member, wakers) = {
            let mut state = self.state.borrow_mut();
            if !state.holds(self) {
                return;
            }
            state.leave(self.key)
        };
        drop(member);
        wake_all(wakers);
    }
}

/// The future of [`Group::join`](super::Group::join).
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
pub struct Join<T = ()> {
    pub(super) waiter: Waiter<Shared<T>, Joiners<T>>,
}

impl<T> Future for Join<T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (mut state, place) = self.waiter.lock();
        if !place.is_waiting() && state.members.is_empty() {
            return Poll::Ready(());
        }
        place.poll_or_push(&mut state.joiners, cx).map(drop)
    }
}

impl<T> fmt::Debug for Join<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Join").field(&self.waiter).finish()
    }
}

/// The future of [`Group::join_next`](super::Group::join_next).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let group = grove::pool::Group::with_results();
///     group.add(grove::spawn(async { 3 }));
///     let next: grove::pool::group::JoinNext<i32> = group.join_next();
///     assert_eq!(next.await.map(|(_, r)| r.unwrap()), Some(3));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct JoinNext<T> {
    pub(super) waiter: Waiter<Shared<T>, Next<T>>,
}

impl<T> Future for JoinNext<T> {
    type Output = Option<(TaskId, Result<T, JoinError>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (mut state, place) = self.waiter.lock();
        if place.is_waiting() && place.poll(&mut state.next, cx).is_pending() {
            return Poll::Pending;
        }
        if let Some(result) = state.results.pop_front() {
            return Poll::Ready(Some(result));
        }
        if state.owned == 0 {
            return Poll::Ready(None);
        }
        place.push(&mut state.next, cx.waker(), None);
        Poll::Pending
    }
}

impl<T> fmt::Debug for JoinNext<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JoinNext").field(&self.waiter).finish()
    }
}

/// The tasks waiting for the group to empty, woken all at once.
pub(crate) struct Joiners<T>(std::marker::PhantomData<T>);

impl<T> Line for Joiners<T> {
    type State = State<T>;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State<T>) -> &mut WaitList<()> {
        &mut state.joiners
    }
}

/// The tasks waiting for the next result. One woken and dropped before it
/// looked passes the wake-up on: the result is still there for another.
pub(crate) struct Next<T>(std::marker::PhantomData<T>);

impl<T> Line for Next<T> {
    type State = State<T>;
    type Value = ();
    const PASS_ON: bool = true;

    fn list(state: &mut State<T>) -> &mut WaitList<()> {
        &mut state.next
    }
}
