//! Which task is running.

use super::TaskId;
use crate::runtime::context;

/// The identity of a running task, as [`current`] reports it.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let me = grove::task::current();
///     assert_eq!(me.name(), None);
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Task {
    id: TaskId,
    name: Option<Box<str>>,
}

impl Task {
    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(async { grove::task::current().id() });
    ///     let id = task.id();
    ///     assert_eq!(task.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was given one.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::task::Builder::new()
    ///         .name("named")
    ///         .spawn(async { grove::task::current().name().map(String::from) });
    ///     assert_eq!(task.await.unwrap().as_deref(), Some("named"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// The task that is running: a spawned task, or the future given to
/// `block_on` (which has an id of its own and no name).
///
/// # Panics
/// Outside of any task: with no runtime on the thread, or from code that no
/// task is running (a waker called by another thread, for example). See
/// [`try_current`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let outer = grove::task::current().id();
///     let inner = grove::spawn(async { grove::task::current().id() }).await.unwrap();
///     assert_ne!(outer, inner);
/// });
/// ```
#[track_caller]
pub fn current() -> Task {
    try_current().expect("grove::task::current() was called outside of any grove task")
}

/// The task that is running, or `None` outside of any task.
///
/// # Examples
///
/// ```
/// assert!(grove::task::try_current().is_none());
/// grove::run(async { assert!(grove::task::try_current().is_some()) });
/// ```
pub fn try_current() -> Option<Task> {
    context::with_current(|core| {
        let current = core.current()?;
        let name = current.task.and_then(|t| t.name().map(Box::from));
        Some(Task { id: current.id, name })
    })
    .flatten()
}
