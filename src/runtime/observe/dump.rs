//! A task dump: every live task, with what it is doing and, when the
//! runtime keeps its side table, where it came from.

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use crate::task::TaskId;

/// What a task in a [`TaskDump`] is doing.
///
/// # Examples
///
/// ```
/// use grove::runtime::TaskState;
///
/// let rt = grove::Runtime::new()?;
/// let _idle = grove::spawn(std::future::pending::<()>());
/// assert_eq!(rt.tasks().tasks[0].state, TaskState::Ready); // not run yet
/// rt.run_until_stalled();
/// assert_eq!(rt.tasks().tasks[0].state, TaskState::Waiting);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued to run.
    Ready,
    /// Waiting for a wake.
    Waiting,
    /// Being polled: the task that asked for the dump, or one that blocks
    /// the loop.
    Running,
}

/// One task of a [`TaskDump`].
///
/// # Examples
///
/// ```
/// let rt = grove::Runtime::builder().task_dump(true).build()?;
/// let _task = grove::task::Builder::new().name("idle").spawn(std::future::pending::<()>());
/// let info: &grove::runtime::TaskInfo = &rt.tasks().tasks[0];
/// assert_eq!(info.name.as_deref(), Some("idle"));
/// assert!(info.spawned_at.unwrap().file().ends_with(".rs"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// What it is doing.
    pub state: TaskState,
    /// How long ago it was spawned, to the loop's last look at events;
    /// `None` unless [`task_dump`](crate::runtime::Builder::task_dump) or
    /// the monitor is on.
    pub age: Option<Duration>,
    /// Where it was spawned; `None` unless the task dump or the monitor is
    /// on.
    pub spawned_at: Option<&'static Location<'static>>,
}

/// Every live task of a runtime, by id: from
/// [`Runtime::tasks`](crate::Runtime::tasks) or
/// [`runtime::tasks`](crate::runtime::tasks). Its `Display` prints one
/// task per line.
///
/// # Examples
///
/// ```
/// let rt = grove::Runtime::builder().task_dump(true).build()?;
/// let _tasks: Vec<_> = (0..3).map(|_| grove::spawn(std::future::pending::<()>())).collect();
/// rt.run_until_stalled();
/// let dump = rt.tasks();
/// assert_eq!(dump.tasks.len(), 3);
/// assert!(dump.to_string().contains("waiting"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TaskDump {
    /// The tasks, by id.
    pub tasks: Vec<TaskInfo>,
}

impl TaskDump {
    /// A dump of `tasks`, sorted by id.
    pub(crate) fn new(mut tasks: Vec<TaskInfo>) -> TaskDump {
        tasks.sort_unstable_by_key(|t| t.id);
        TaskDump { tasks }
    }

    /// How many tasks are in each state: ready, waiting, running.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = grove::Runtime::new()?;
    /// let _task = grove::spawn(async {});
    /// assert_eq!(rt.tasks().counts(), (1, 0, 0));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |state| self.tasks.iter().filter(|t| t.state == state).count();
        (
            count(TaskState::Ready),
            count(TaskState::Waiting),
            count(TaskState::Running),
        )
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Ready => "ready",
            TaskState::Waiting => "waiting",
            TaskState::Running => "running",
        })
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {:>6} {:<8}", self.id, self.state)?;
        if let Some(age) = self.age {
            write!(f, " {:>10.3?}", age)?;
        }
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        if let Some(location) = self.spawned_at {
            write!(f, " spawned at {location}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ready, waiting, running) = self.counts();
        writeln!(
            f,
            "{} tasks: {ready} ready, {waiting} waiting, {running} running",
            self.tasks.len()
        )?;
        for task in &self.tasks {
            writeln!(f, "{task}")?;
        }
        Ok(())
    }
}
