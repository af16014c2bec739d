//! Spawning with options.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use super::JoinHandle;
use crate::runtime::context;

/// Spawns a task with a name.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let task = grove::task::Builder::new()
///         .name("fetcher")
///         .spawn(async { grove::task::current().name().map(str::to_owned) });
///     assert_eq!(task.await.unwrap().as_deref(), Some("fetcher"));
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder with no name set.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::task::Builder::new().spawn(async { 1 });
    ///     assert_eq!(task.name(), None);
    /// });
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task; the name shows in [`JoinHandle::name`],
    /// [`task::current`](super::current) and `Debug` output.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::task::Builder::new().name("a").spawn(async {});
    ///     assert_eq!(task.name(), Some("a"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Spawns `future` as a task, like [`spawn`](super::spawn).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::task::Builder::new().name("sum").spawn(async { 2 + 2 });
    ///     assert_eq!(task.await.unwrap(), 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_at(future, Location::caller())
    }

    /// [`spawn`](Builder::spawn), recording `location` as where the task
    /// was spawned: for spawners whose caller `#[track_caller]` cannot
    /// reach (an `async fn`, a stream).
    #[track_caller]
    pub(crate) fn spawn_at<F>(self, future: F, location: &'static Location<'static>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        context::with_core("task::Builder::spawn", |core| match self.name {
            Some(name) => core.spawn(future, name, location),
            None => core.spawn(future, (), location),
        })
    }

    /// Spawns `future` to start after `delay`, like
    /// [`spawn_later`](super::spawn_later).
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let task = grove::task::Builder::new()
    ///         .name("later")
    ///         .spawn_later(Duration::from_millis(5), async { "ran" });
    ///     assert_eq!(task.await.unwrap(), "ran");
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_later<F>(self, delay: Duration, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // The deadline is fixed now, not when the task first runs.
        let nap = crate::time::sleep(delay);
        self.spawn(async move {
            nap.await;
            future.await
        })
    }
}
