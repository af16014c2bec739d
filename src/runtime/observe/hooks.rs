//! Callbacks a [`Builder`](crate::runtime::Builder) installs around each
//! task's life: spawn, each poll, and its end.

use std::fmt;
use std::sync::Arc;

use crate::runtime::core::contain;
use crate::task::TaskId;

/// What a task hook is told about the task.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let names = Arc::new(Mutex::new(Vec::new()));
/// let seen = names.clone();
/// let rt = grove::Runtime::builder()
///     .on_task_spawn(move |task: &grove::runtime::TaskMeta<'_>| {
///         seen.lock().unwrap().push(task.name().unwrap_or("-").to_owned());
///     })
///     .build()?;
/// rt.block_on(async {
///     grove::task::Builder::new().name("worker").spawn(async {}).await.unwrap();
/// });
/// assert_eq!(*names.lock().unwrap(), ["worker"]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TaskMeta<'a> {
    id: TaskId,
    name: Option<&'a str>,
}

impl<'a> TaskMeta<'a> {
    pub(crate) fn new(id: TaskId, name: Option<&'a str>) -> TaskMeta<'a> {
        TaskMeta { id, name }
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder()
    ///     .on_task_spawn(|task: &grove::runtime::TaskMeta<'_>| assert!(task.id().as_u64() > 0))
    ///     .build()?;
    /// rt.block_on(async { grove::spawn(async {}).await.unwrap() });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was given one.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::builder()
    ///     .on_task_terminate(|task: &grove::runtime::TaskMeta<'_>| assert_eq!(task.name(), None))
    ///     .build()?;
    /// rt.block_on(async { grove::spawn(async {}).await.unwrap() });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }
}

/// A task hook, shared by every runtime built from one builder.
pub(crate) type Hook = Arc<dyn Fn(&TaskMeta<'_>) + Send + Sync + 'static>;

/// The hooks set on a builder.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) spawn: Option<Hook>,
    pub(crate) terminate: Option<Hook>,
    pub(crate) before_poll: Option<Hook>,
    pub(crate) after_poll: Option<Hook>,
}

impl Hooks {
    pub(crate) fn is_empty(&self) -> bool {
        self.spawn.is_none() && self.terminate.is_none() && self.before_poll.is_none() && self.after_poll.is_none()
    }
}

/// Calls `hook`, if set. A panic in it is printed by the panic hook and
/// goes no further: it must not unwind through the loop.
pub(crate) fn call(hook: &Option<Hook>, meta: &TaskMeta<'_>) {
    if let Some(hook) = hook {
        contain(|| hook(meta));
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("on_task_spawn", &self.spawn.is_some())
            .field("on_task_terminate", &self.terminate.is_some())
            .field("on_before_poll", &self.before_poll.is_some())
            .field("on_after_poll", &self.after_poll.is_some())
            .finish()
    }
}
