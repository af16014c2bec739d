//! gevent's `Group`: a set of tasks to join or kill together; tokio's
//! `JoinSet` too, for the tasks whose results it owns.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::holding::Holding;
pub use super::members::{Join, JoinNext};
use super::members::{Member, Shared, State};
use crate::runtime::wait::{Waiter, wake_all};
use crate::task::{JoinHandle, TaskId};

/// A set of tasks: [`spawn`](Group::spawn) adds one, it leaves the group
/// when it finishes (or is killed), [`join`](Group::join) waits until the
/// group is empty and [`kill`](Group::kill) kills every member.
///
/// A group can also own tasks' results, as tokio's `JoinSet` does: hand it
/// a task's handle with [`add`](Group::add), and
/// [`join_next`](Group::join_next) gives the results in the order the
/// tasks finish. Such a group is typed by its tasks' output: make one with
/// [`with_results`](Group::with_results).
///
/// What dropping the last handle to a group does is chosen when it is
/// made: a [`new`](Group::new) group lets its tasks run on, detached, as
/// gevent's does; a [`scoped`](Group::scoped) group kills them. A task
/// killed while its future holds a scoped group kills that group's tasks
/// in turn, so a tree of tasks built of scoped groups stops as one.
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
pub struct Group<T = ()> {
    handle: Rc<Handle<T>>,
}

/// What the user's handles share, so that the last one dropped can kill a
/// scoped group's tasks (the tasks hold the state, not this).
struct Handle<T> {
    state: Shared<T>,
    scoped: bool,
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        if self.scoped {
            kill_all(&self.state);
        }
    }
}

fn kill_all<T>(state: &Shared<T>) {
    let state = state.borrow();
    for (_, member) in state.members.iter() {
        member.killer.kill();
    }
}

impl Group {
    /// An empty group whose tasks run on when it is dropped (detached).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::pool::Group::new().len(), 0);
    /// ```
    pub fn new() -> Group {
        Group::make(false)
    }

    /// An empty group that kills its tasks when its last handle is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::scoped();
    ///     let task = group.spawn(std::future::pending::<()>());
    ///     drop(group);
    ///     assert!(task.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn scoped() -> Group {
        Group::make(true)
    }
}

impl<T: 'static> Group<T> {
    fn make(scoped: bool) -> Group<T> {
        Group {
            handle: Rc::new(Handle {
                state: Rc::new(RefCell::new(State::default())),
                scoped,
            }),
        }
    }

    fn state(&self) -> &Shared<T> {
        &self.handle.state
    }

    /// An empty group that owns the results of the tasks [`add`](Group::add)ed
    /// to it, for [`join_next`](Group::join_next); it lets its tasks run on
    /// when dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::with_results();
    ///     group.add(grove::spawn(async { "a" }));
    ///     assert_eq!(group.join_next().await.unwrap().1.unwrap(), "a");
    /// });
    /// ```
    pub fn with_results() -> Group<T> {
        Group::make(false)
    }

    /// As [`with_results`](Group::with_results), but the group kills its
    /// tasks when its last handle is dropped, as [`scoped`](Group::scoped).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::scoped_with_results();
    ///     group.add(grove::spawn(async { 1 }));
    ///     assert_eq!(group.join_next().await.unwrap().1.unwrap(), 1);
    /// });
    /// ```
    pub fn scoped_with_results() -> Group<T> {
        Group::make(true)
    }

    /// Spawns `future` as a task in the group and returns its handle (the
    /// result is the handle's, not the group's).
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
        self.spawn_at(future, Location::caller())
    }

    /// [`spawn`](Group::spawn), as spawned from `location`.
    #[track_caller]
    pub(crate) fn spawn_at<F>(&self, future: F, location: &'static Location<'static>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let membership = State::membership(self.state());
        let serial = membership.serial;
        let future = Holding::new(future, membership);
        let handle = crate::task::Builder::new().spawn_at(future, location);
        self.enter(&handle, false, serial);
        handle
    }

    /// Takes `handle` into the group, which owns its task's result from
    /// now on: [`join_next`](Group::join_next) gives it when the task ends.
    /// The task is a member until then, as a spawned one is.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::with_results();
    ///     let task = grove::spawn(async { 7 });
    ///     let id = task.id();
    ///     group.add(task);
    ///     assert_eq!(group.len(), 1);
    ///     let (got_id, result) = group.join_next().await.unwrap();
    ///     assert_eq!((got_id, result.unwrap()), (id, 7));
    /// });
    /// ```
    #[track_caller]
    pub fn add(&self, handle: JoinHandle<T>) {
        let membership = State::membership(self.state());
        self.enter(&handle, true, membership.serial);
        let id = handle.id();
        // A watcher task takes the result into the group, and leaves the
        // group with it.
        drop(crate::spawn(async move {
            let result = handle.await;
            membership.deliver(id, result);
        }));
    }

    /// Takes task `id` out of the group, if it is in it: the group no
    /// longer waits for it or kills it, and its result, if the group owned
    /// it, is dropped when it comes. Returns whether it was a member.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::new();
    ///     let task = group.spawn(std::future::pending::<()>());
    ///     assert!(group.discard(task.id()));
    ///     assert!(group.is_empty());
    ///     group.join().await; // does not wait for it any more
    ///     task.kill();
    /// });
    /// ```
    pub fn discard(&self, id: TaskId) -> bool {
        let (member, wakers) = {
            let mut state = self.state().borrow_mut();
            let Some(key) = state.find(id) else { return false };
            state.leave(key)
        };
        drop(member);
        wake_all(wakers);
        true
    }

    /// Kills task `id` if it is a member. Returns whether it was.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let group = grove::pool::Group::new();
    ///     let task = group.spawn(std::future::pending::<()>());
    ///     assert!(group.killone(task.id()));
    ///     assert!(task.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn killone(&self, id: TaskId) -> bool {
        let state = self.state().borrow();
        let Some(key) = state.find(id) else { return false };
        state.members[key].killer.kill();
        true
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
        self.state().borrow().members.len()
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
        kill_all(self.state());
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
    pub fn join(&self) -> Join<T> {
        Join {
            waiter: Waiter::new(self.state().clone()),
        }
    }

    /// The result of the next owned task to finish (see
    /// [`add`](Group::add)), with its id, in the order they finish; `None`
    /// once the group owns no unfinished task and every result was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let group = grove::pool::Group::with_results();
    ///     for ms in [20, 10] {
    ///         group.add(grove::spawn(async move {
    ///             grove::sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         }));
    ///     }
    ///     let mut order = Vec::new();
    ///     while let Some((_, result)) = group.join_next().await {
    ///         order.push(result.unwrap());
    ///     }
    ///     assert_eq!(order, [10, 20]);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no result: it stays in the group for the
    /// next `join_next`.
    pub fn join_next(&self) -> JoinNext<T> {
        JoinNext {
            waiter: Waiter::new(self.state().clone()),
        }
    }

    /// Enters the task of `handle` under the key its membership took. The
    /// task cannot have run yet, so the key is still vacant.
    fn enter<U>(&self, handle: &JoinHandle<U>, owned: bool, serial: u64) {
        let mut state = self.state().borrow_mut();
        state.members.insert(Member {
            id: handle.id(),
            serial,
            killer: handle.killer(),
            owned,
        });
        state.owned += usize::from(owned);
    }
}

impl<T> Clone for Group<T> {
    fn clone(&self) -> Self {
        Group {
            handle: self.handle.clone(),
        }
    }
}

impl Default for Group {
    /// An empty, detaching group: [`Group::new`].
    fn default() -> Group {
        Group::new()
    }
}

impl<T: 'static> fmt::Debug for Group<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("len", &self.len())
            .field("scoped", &self.handle.scoped)
            .finish()
    }
}
