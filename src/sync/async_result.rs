//! gevent's `AsyncResult`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use std::marker::PhantomData;

use crate::runtime::coop;
use crate::runtime::wait::{Line, WaitList, Waiter, wake_all};

/// A one-shot result that tasks wait for: some task [`set`](AsyncResult::set)s
/// a value or [`set_error`](AsyncResult::set_error)s an error, once, and
/// every [`get`](AsyncResult::get) returns a clone of it.
///
/// `E` is the error type; by default any `std::error::Error` behind an `Rc`.
/// An `AsyncResult` is a cheap `Clone` handle to shared state.
///
/// # Examples
///
/// ```
/// use grove::sync::AsyncResult;
///
/// grove::run(async {
///     let result: AsyncResult<u32> = AsyncResult::new();
///     let reader = {
///         let result = result.clone();
///         grove::spawn(async move { result.get().await.unwrap() })
///     };
///     result.set(42).unwrap();
///     assert_eq!(reader.await.unwrap(), 42);
/// });
/// ```
pub struct AsyncResult<T, E = Rc<dyn std::error::Error>> {
    state: Rc<RefCell<State<T, E>>>,
}

struct State<T, E> {
    /// Behind an `Rc` so that readers clone it out of the borrow first, and
    /// run the user's `Clone` with no borrow held.
    value: Option<Rc<Result<T, E>>>,
    waiters: WaitList<()>,
}

impl<T, E> AsyncResult<T, E> {
    /// A result not yet set.
    ///
    /// # Examples
    ///
    /// ```
    /// let result: grove::sync::AsyncResult<i32> = grove::sync::AsyncResult::new();
    /// assert!(!result.is_ready());
    /// ```
    pub fn new() -> AsyncResult<T, E> {
        AsyncResult {
            state: Rc::new(RefCell::new(State {
                value: None,
                waiters: WaitList::default(),
            })),
        }
    }

    /// Sets the value and wakes every waiter.
    ///
    /// # Errors
    /// If the result is already set, `value` is given back.
    ///
    /// # Examples
    ///
    /// ```
    /// let result: grove::sync::AsyncResult<i32> = grove::sync::AsyncResult::new();
    /// assert_eq!(result.set(1), Ok(()));
    /// assert_eq!(result.set(2), Err(2));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        self.complete(Ok(value))
            .map_err(|r| r.ok().expect("the value just offered"))
    }

    /// Sets an error and wakes every waiter.
    ///
    /// # Errors
    /// If the result is already set, `error` is given back.
    ///
    /// # Examples
    ///
    /// ```
    /// let result: grove::sync::AsyncResult<i32, &str> = grove::sync::AsyncResult::new();
    /// assert_eq!(result.set_error("failed"), Ok(()));
    /// assert_eq!(result.try_get(), Some(Err("failed")));
    /// ```
    pub fn set_error(&self, error: E) -> Result<(), E> {
        self.complete(Err(error))
            .map_err(|r| r.err().expect("the error just offered"))
    }

    fn complete(&self, result: Result<T, E>) -> Result<(), Result<T, E>> {
        let wakers = {
            let mut state = self.state.borrow_mut();
            if state.value.is_some() {
                return Err(result);
            }
            state.value = Some(Rc::new(result));
            state.waiters.notify_all()
        };
        wake_all(wakers);
        Ok(())
    }

    /// Whether a value or an error has been set.
    ///
    /// # Examples
    ///
    /// ```
    /// let result: grove::sync::AsyncResult<i32> = grove::sync::AsyncResult::new();
    /// result.set(3).unwrap();
    /// assert!(result.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        self.state.borrow().value.is_some()
    }

    /// The result, if set, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let result: grove::sync::AsyncResult<i32, String> = grove::sync::AsyncResult::new();
    /// assert_eq!(result.try_get(), None);
    /// result.set(5).unwrap();
    /// assert_eq!(result.try_get(), Some(Ok(5)));
    /// ```
    pub fn try_get(&self) -> Option<Result<T, E>>
    where
        T: Clone,
        E: Clone,
    {
        let value = self.state.borrow().value.clone();
        value.map(|v| (*v).clone())
    }

    /// Waits until the result is set, and returns a clone of it.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let result: grove::sync::AsyncResult<&str> = grove::sync::AsyncResult::new();
    ///     result.set("done").unwrap();
    ///     assert_eq!(result.get().await.unwrap(), "done");
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future takes the waiter out of the line and changes
    /// nothing else.
    pub fn get(&self) -> Get<T, E> {
        Get {
            waiter: Waiter::new(self.state.clone()),
        }
    }
}

impl<T, E> Clone for AsyncResult<T, E> {
    fn clone(&self) -> Self {
        AsyncResult {
            state: self.state.clone(),
        }
    }
}

impl<T, E> Default for AsyncResult<T, E> {
    fn default() -> Self {
        AsyncResult::new()
    }
}

impl<T, E> fmt::Debug for AsyncResult<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult").field("ready", &self.is_ready()).finish()
    }
}

/// The future of [`AsyncResult::get`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let result: grove::sync::AsyncResult<i32> = grove::sync::AsyncResult::new();
///     let get: grove::sync::async_result::Get<i32> = result.get();
///     result.set(9).unwrap();
///     assert_eq!(get.await.unwrap(), 9);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<T, E = Rc<dyn std::error::Error>> {
    waiter: Waiter<Shared<T, E>, Getters<T, E>>,
}

impl<T: Clone, E: Clone> Future for Get<T, E> {
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let (mut state, place) = self.waiter.lock();
        if let Some(value) = state.value.clone() {
            if !place.is_waiting() {
                // Completes without waiting: counts against the task's budget.
                std::task::ready!(coop::poll_budget(cx));
                coop::spend();
            }
            place.leave(&mut state.waiters);
            drop(state);
            return Poll::Ready((*value).clone());
        }
        place
            .poll_or_push(&mut state.waiters, cx)
            .map(|_| unreachable!("notified only once set"))
    }
}

impl<T, E> fmt::Debug for Get<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Get").field(&self.waiter).finish()
    }
}

/// The state every handle and waiter shares.
type Shared<T, E> = Rc<RefCell<State<T, E>>>;

/// The tasks waiting for the result. Setting it wakes them all, so there is
/// no notification to pass on.
struct Getters<T, E>(PhantomData<(T, E)>);

impl<T, E> Line for Getters<T, E> {
    type State = State<T, E>;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State<T, E>) -> &mut WaitList<()> {
        &mut state.waiters
    }
}
