//! Seeing inside the loop: the blocked-loop monitor, the task table it
//! and the task dump read, task hooks, tracing spans, and the runtime's
//! counters.
//!
//! A runtime built with none of them on has no [`Observer`] at all, and
//! its loop pays one untaken branch per poll and per spawn. With any of
//! them on, each piece costs only what it does: the monitor one relaxed
//! store per poll, the table a map insert per spawn, a hook its call.

mod dump;
mod hooks;
mod metrics;
mod monitor;
mod table;

use std::fmt;
use std::io;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use dump::{TaskDump, TaskInfo, TaskState};
pub(crate) use hooks::Hooks;
pub use hooks::TaskMeta;
pub(crate) use metrics::{Counters, Driven};
pub use metrics::{LongestPoll, RuntimeMetrics};
pub(crate) use monitor::OnBlocked;
pub use monitor::Stall;

use monitor::Monitor;
use table::{Entry, Table};

use crate::runtime::task::RawTask;
use crate::task::TaskId;

/// What a builder asks to observe.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    pub(crate) max_blocking_time: Option<Duration>,
    pub(crate) on_blocked: Option<OnBlocked>,
    pub(crate) task_dump: bool,
    pub(crate) hooks: Hooks,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("max_blocking_time", &self.max_blocking_time)
            .field("on_blocked", &self.on_blocked.is_some())
            .field("task_dump", &self.task_dump)
            .field("hooks", &self.hooks)
            .finish()
    }
}

/// The loop's observers, present only when some are on.
pub(crate) struct Observer {
    /// Where and when each live task was spawned, with its name.
    table: Option<Arc<Table>>,
    monitor: Option<Monitor>,
    hooks: Hooks,
    /// Whether anything runs around each poll besides the monitor's store:
    /// a poll hook, or a span.
    wraps_polls: bool,
    /// The loop's time at its last look at events: spawn times come from
    /// it, not from a clock read per spawn.
    now: std::cell::Cell<Instant>,
    /// A span per task, entered on each of its polls.
    #[cfg(feature = "tracing")]
    spans: std::cell::RefCell<std::collections::HashMap<TaskId, tracing::Span>>,
}

impl Observer {
    /// The observers `settings` ask for, or `None` if none (and no
    /// tracing).
    ///
    /// # Errors
    /// If the OS refuses the monitor's thread.
    pub(crate) fn new(settings: &Settings) -> io::Result<Option<Box<Observer>>> {
        let wanted = settings.max_blocking_time.is_some() || settings.task_dump || !settings.hooks.is_empty();
        if !wanted && !cfg!(feature = "tracing") {
            return Ok(None);
        }
        let table = (settings.task_dump || settings.max_blocking_time.is_some()).then(Arc::<Table>::default);
        let monitor = match (settings.max_blocking_time, &table) {
            (Some(limit), Some(table)) => Some(Monitor::start(limit, table.clone(), settings.on_blocked.clone())?),
            _ => None,
        };
        Ok(Some(Box::new(Observer {
            table,
            monitor,
            hooks: settings.hooks.clone(),
            wraps_polls: settings.hooks.before_poll.is_some()
                || settings.hooks.after_poll.is_some()
                || cfg!(feature = "tracing"),
            now: std::cell::Cell::new(Instant::now()),
            #[cfg(feature = "tracing")]
            spans: Default::default(),
        })))
    }

    /// `task` was spawned at `location`.
    #[cold]
    #[inline(never)]
    pub(crate) fn spawned(&self, task: RawTask, location: &'static Location<'static>) {
        let (id, name) = (task.id(), task.name());
        if let Some(table) = &self.table {
            table.insert(
                id,
                Entry {
                    name: name.map(Box::from),
                    location,
                    spawned: self.now.get(),
                },
            );
        }
        #[cfg(feature = "tracing")]
        self.spans
            .borrow_mut()
            .insert(id, tracing::debug_span!("task", id = id.as_u64(), name));
        hooks::call(&self.hooks.spawn, &TaskMeta::new(id, name));
    }

    /// `task` has ended: returned, panicked or was killed.
    #[cold]
    #[inline(never)]
    pub(crate) fn terminated(&self, task: RawTask) {
        let (id, name) = (task.id(), task.name());
        hooks::call(&self.hooks.terminate, &TaskMeta::new(id, name));
        if let Some(table) = &self.table {
            table.remove(id);
        }
        #[cfg(feature = "tracing")]
        drop(self.spans.borrow_mut().remove(&id));
    }

    /// The loop starts polling task `id`: the monitor's one store.
    #[inline]
    pub(crate) fn polling(&self, id: TaskId) {
        if let Some(monitor) = &self.monitor {
            monitor.polling(id);
        }
    }

    /// Whether anything runs around each poll besides the monitor's store:
    /// a poll hook, or a span. Such polls go through
    /// [`poll_wrapped`](Observer::poll_wrapped).
    #[inline]
    pub(crate) fn wraps_polls(&self) -> bool {
        self.wraps_polls
    }

    /// Runs `poll`, a poll of `task`, with the monitor's store, and the
    /// hooks and span around it.
    pub(crate) fn poll_wrapped<R>(&self, task: RawTask, poll: impl FnOnce() -> R) -> R {
        self.polling(task.id());
        let meta = TaskMeta::new(task.id(), task.name());
        hooks::call(&self.hooks.before_poll, &meta);
        #[cfg(feature = "tracing")]
        let span = self.spans.borrow().get(&meta.id()).cloned();
        #[cfg(feature = "tracing")]
        let entered = span.as_ref().map(tracing::Span::enter);
        let result = poll();
        #[cfg(feature = "tracing")]
        drop(entered);
        hooks::call(&self.hooks.after_poll, &meta);
        result
    }

    /// `block_on` was called at `location`: its future, polled as task
    /// `id`, is watched by the monitor and named in its reports. It is not
    /// a task, so no hook hears of it.
    pub(crate) fn main_started(&self, id: TaskId, location: &'static Location<'static>) {
        if let Some(table) = &self.table {
            let entry = Entry {
                name: Some("block_on".into()),
                location,
                spawned: self.now.get(),
            };
            table.insert(id, entry);
        }
    }

    pub(crate) fn main_ended(&self, id: TaskId) {
        if let Some(table) = &self.table {
            table.remove(id);
        }
    }

    /// The loop is about to look at events (and maybe wait for them).
    pub(crate) fn parking(&self) {
        if let Some(monitor) = &self.monitor {
            monitor.parking();
        }
        if self.table.is_some() {
            self.now.set(Instant::now());
        }
    }

    /// What the table knows of task `id`, with its age: `None` without a
    /// table.
    pub(crate) fn origin(&self, id: TaskId, now: Instant) -> Option<(Duration, &'static Location<'static>)> {
        let entry = self.table.as_ref()?.get(id)?;
        Some((now.saturating_duration_since(entry.spawned), entry.location))
    }

    /// The longest poll the monitor has seen.
    pub(crate) fn longest_poll(&self) -> Option<LongestPoll> {
        self.monitor.as_ref()?.longest()
    }
}
