//! gevent's `Event`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::runtime::coop;
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};

/// A flag that tasks can wait for: `set` wakes every waiter, in the order
/// they began to wait, and later `wait`s return at once until `clear`.
///
/// An `Event` is a cheap `Clone` handle to shared state.
///
/// # Examples
///
/// ```
/// use grove::sync::Event;
///
/// grove::run(async {
///     let ready = Event::new();
///     let waiter = {
///         let ready = ready.clone();
///         grove::spawn(async move {
///             ready.wait().await;
///             "released"
///         })
///     };
///     grove::yield_now().await;
///     assert!(!waiter.is_finished());
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "released");
/// });
/// ```
#[derive(Clone, Default)]
pub struct Event {
    state: Rc<RefCell<State>>,
}

#[derive(Default)]
struct State {
    set: bool,
    waiters: WaitList<()>,
}

impl Event {
    /// A new event, not set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!grove::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Event {
        Event::default()
    }

    /// Sets the flag and wakes every waiter, first come first woken.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = grove::sync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn set(&self) {
        let wakers = {
            let mut state = self.state.borrow_mut();
            state.set = true;
            state.waiters.notify_all()
        };
        wake_all(wakers);
    }

    /// Clears the flag; later `wait`s block until the next `set`. Waiters
    /// already woken by a `set` still return.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = grove::sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.borrow_mut().set = false;
    }

    /// Whether the flag is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = grove::sync::Event::new();
    /// assert!(!event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.borrow().set
    }

    /// Waits until the flag is set (at once if it is).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let event = grove::sync::Event::new();
    ///     event.set();
    ///     event.wait().await;
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future takes the waiter out of the line; the event is as
    /// if it had never waited.
    pub fn wait(&self) -> Wait {
        Wait {
            waiter: Waiter::new(self.state.clone()),
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Event")
            .field("set", &state.set)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// The future of [`Event::wait`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let event = grove::sync::Event::new();
///     let wait: grove::sync::event::Wait = event.wait();
///     event.set();
///     wait.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Wait {
    waiter: Waiter<Rc<RefCell<State>>, Waiting>,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (mut state, place) = self.waiter.lock();
        if !place.is_waiting() && state.set {
            // Completes without waiting: counts against the task's budget.
            std::task::ready!(coop::poll_budget(cx));
            coop::spend();
            return Poll::Ready(());
        }
        place.poll_or_push(&mut state.waiters, cx).map(drop)
    }
}

/// The tasks waiting for the event. `set` wakes them all, so there is no
/// notification to pass on.
struct Waiting;

impl Line for Waiting {
    type State = State;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State) -> &mut WaitList<()> {
        &mut state.waiters
    }
}
