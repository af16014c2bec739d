//! What runs next: a FIFO run queue plus a one-task handoff slot.
//!
//! A wake appends the task to the queue. A *handoff* (used by `Channel` and
//! `switch` when a value goes straight to a waiting task) puts the task in
//! the slot instead, so it runs before anything queued: control passes to the
//! partner as in greenlet. A run of handoffs is capped at [`HANDOFF_STREAK`],
//! after which the partner goes to the back of the queue, so two tasks handing
//! off to each other forever cannot starve the rest.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::task::{RawTask, TaskId};

/// How many handoffs in a row may jump the queue.
const HANDOFF_STREAK: u32 = 32;

/// Something the scheduler can run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Runnable {
    /// A spawned task.
    Task(RawTask),
    /// The future passed to `block_on`, which is not a task.
    Main,
}

/// What is running now, for `task::current()` and task-locals.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Current {
    pub(crate) id: TaskId,
    /// `None` for the `block_on` future.
    pub(crate) task: Option<RawTask>,
}

/// The scheduler's state. Runtime thread only.
#[derive(Default)]
pub(crate) struct Scheduler {
    /// Runnables woken and waiting their turn, in wake order.
    queue: RefCell<VecDeque<Runnable>>,
    /// The runnable that goes before the queue, set by a handoff.
    handoff: Cell<Option<Runnable>>,
    /// Handoffs taken in a row, bounded by `HANDOFF_STREAK`.
    streak: Cell<u32>,
    /// Whether the `block_on` future is in the queue or the handoff slot.
    main_queued: Cell<bool>,
    /// The task (or `block_on` future) being polled.
    current: Cell<Option<Current>>,
}

impl Scheduler {
    /// Queues `task` unless it is queued already or finished.
    #[inline]
    pub(crate) fn schedule(&self, task: RawTask) {
        if task.state().transition_to_scheduled() {
            self.queue.borrow_mut().push_back(Runnable::Task(task));
        }
    }

    /// Puts `task` in the handoff slot so that it runs next.
    #[inline]
    pub(crate) fn schedule_next(&self, task: RawTask) {
        if task.state().transition_to_scheduled() {
            self.hand_off(Runnable::Task(task));
        }
    }

    /// Queues the `block_on` future.
    pub(crate) fn schedule_main(&self, next: bool) {
        if !self.main_queued.replace(true) {
            if next {
                self.hand_off(Runnable::Main);
            } else {
                self.queue.borrow_mut().push_back(Runnable::Main);
            }
        }
    }

    #[inline]
    fn hand_off(&self, runnable: Runnable) {
        if let Some(bumped) = self.handoff.replace(Some(runnable)) {
            self.bump(bumped);
        }
    }

    /// The earlier partner was also meant to run soon: it stays ahead of the
    /// queue. Rare (two handoffs in one poll), so kept out of `hand_off`.
    #[cold]
    #[inline(never)]
    fn bump(&self, runnable: Runnable) {
        self.queue.borrow_mut().push_front(runnable);
    }

    /// Takes the next runnable, handoff slot first.
    #[inline]
    pub(crate) fn next(&self) -> Option<Runnable> {
        let runnable = match self.handoff.take() {
            Some(next) if self.streak.get() < HANDOFF_STREAK => {
                self.streak.set(self.streak.get() + 1);
                Some(next)
            }
            Some(next) => {
                let mut queue = self.queue.borrow_mut();
                queue.push_back(next);
                self.streak.set(0);
                queue.pop_front()
            }
            None => {
                self.streak.set(0);
                self.queue.borrow_mut().pop_front()
            }
        };
        if runnable == Some(Runnable::Main) {
            self.main_queued.set(false);
        }
        runnable
    }

    /// How many runnables wait.
    pub(crate) fn ready(&self) -> usize {
        self.queue.borrow().len() + usize::from(self.handoff_is_set())
    }

    fn handoff_is_set(&self) -> bool {
        let slot = self.handoff.take();
        self.handoff.set(slot);
        slot.is_some()
    }

    /// The task (or `block_on` future) being polled, if any.
    pub(crate) fn current(&self) -> Option<Current> {
        self.current.get()
    }

    /// Makes `current` the running task until the guard drops (even by
    /// unwinding).
    pub(crate) fn enter(&self, current: Current) -> EnterGuard<'_> {
        EnterGuard {
            scheduler: self,
            previous: self.current.replace(Some(current)),
        }
    }

    /// Empties the queue and slot, for shutdown.
    pub(crate) fn drain(&self) -> Vec<Runnable> {
        self.main_queued.set(false);
        let mut all: Vec<Runnable> = self.handoff.take().into_iter().collect();
        all.extend(self.queue.borrow_mut().drain(..));
        all
    }
}

/// Restores the previously running task.
pub(crate) struct EnterGuard<'a> {
    scheduler: &'a Scheduler,
    previous: Option<Current>,
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        self.scheduler.current.set(self.previous);
    }
}
