//! What runs next: a FIFO run queue, a one-task handoff slot, and the tasks
//! that wait for the loop's next look at I/O and timers.
//!
//! A wake appends the task to the queue ([`Turn::Back`]). A *handoff* (used
//! by `Channel` and `switch` when a value goes straight to a waiting task)
//! puts the task in the slot instead ([`Turn::Next`]), so it runs before
//! anything queued: control passes to the partner as in greenlet. A run of
//! handoffs is capped at [`HANDOFF_STREAK`], after which the partner goes to
//! the back of the queue, so two tasks handing off to each other forever
//! cannot starve the rest.
//!
//! A *switch* is a handoff there and back, as greenlet's: a `Channel` put
//! to a waiting getter suspends the putter ([`Turn::SwitchBack`]), and once
//! the getter's poll is over (it waited, yielded or ended) the putter takes
//! the handoff slot in turn, so it runs next again. A task that spent its cooperative budget is set
//! aside ([`Turn::AfterEvents`]) until the loop has polled I/O and fired
//! timers (see `coop.rs`).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::task::{RawTask, TaskId};

/// How many handoffs in a row may jump the queue.
const HANDOFF_STREAK: u32 = 32;

/// Where a woken runnable goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Turn {
    /// The back of the run queue: a wake.
    Back,
    /// The handoff slot, ahead of the queue: it runs next.
    Next,
    /// The back of the queue once the loop has looked at I/O and timers.
    AfterEvents,
    /// The handoff slot, once the runnable just handed off to has been
    /// polled: the return leg of a switch.
    SwitchBack,
}

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
    /// The runnable that switched to the one in the handoff slot, and takes
    /// the slot once that one has been taken out to run.
    back: Cell<Option<Runnable>>,
    /// Handoffs taken in a row, bounded by `HANDOFF_STREAK`.
    streak: Cell<u32>,
    /// Runnables set aside until the next look at I/O and timers.
    after_events: RefCell<Vec<Runnable>>,
    /// Whether the `block_on` future is in the queue, the handoff slot or
    /// set aside.
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

    /// Has `task`, which just handed off, run again right after the
    /// runnable it handed off to (see the module docs).
    pub(crate) fn schedule_back(&self, task: RawTask) {
        if task.state().transition_to_scheduled() {
            self.set_back(Runnable::Task(task));
        }
    }

    fn set_back(&self, runnable: Runnable) {
        if !self.handoff_is_set() {
            // The partner is not in the handoff slot (it was queued already,
            // so the handoff could not move it): it runs before whatever is
            // queued after it now.
            self.queue.borrow_mut().push_back(runnable);
        } else if let Some(earlier) = self.back.replace(Some(runnable)) {
            // A second switch before the first partner ran: the earlier
            // one still runs ahead of the queue.
            self.bump(earlier);
        }
    }

    /// Sets `task` aside until the next look at I/O and timers.
    #[cold]
    pub(crate) fn schedule_after_events(&self, task: RawTask) {
        if task.state().transition_to_scheduled() {
            self.set_aside(Runnable::Task(task));
        }
    }

    /// Queues the `block_on` future for `turn`.
    pub(crate) fn schedule_main(&self, turn: Turn) {
        if !self.main_queued.replace(true) {
            self.put(Runnable::Main, turn);
        }
    }

    #[inline]
    fn put(&self, runnable: Runnable, turn: Turn) {
        match turn {
            Turn::Back => self.queue.borrow_mut().push_back(runnable),
            Turn::Next => self.hand_off(runnable),
            Turn::AfterEvents => self.set_aside(runnable),
            Turn::SwitchBack => self.set_back(runnable),
        }
    }

    fn set_aside(&self, runnable: Runnable) {
        self.after_events.borrow_mut().push(runnable);
    }

    /// The loop has looked at I/O and timers: what was set aside joins the
    /// back of the queue.
    pub(crate) fn events_seen(&self) {
        let mut set_aside = self.after_events.borrow_mut();
        if !set_aside.is_empty() {
            self.queue.borrow_mut().extend(set_aside.drain(..));
        }
    }

    /// Whether anything is set aside for after the next look at events.
    pub(crate) fn has_set_aside(&self) -> bool {
        !self.after_events.borrow().is_empty()
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

    /// Takes the next runnable, handoff slot first. A runnable waiting to be
    /// switched back to takes the slot as its partner leaves it.
    #[inline]
    pub(crate) fn next(&self) -> Option<Runnable> {
        let runnable = match self.handoff.take() {
            Some(next) if self.streak.get() < HANDOFF_STREAK => {
                self.streak.set(self.streak.get() + 1);
                self.handoff.set(self.back.take());
                Some(next)
            }
            Some(next) => {
                let mut queue = self.queue.borrow_mut();
                queue.push_back(next);
                queue.extend(self.back.take());
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

    /// Going idle: lets go of the run queue's room beyond a batch of a
    /// thousand, which a spawn of 100k tasks grows to a megabyte.
    pub(crate) fn shrink(&self) {
        const KEEP: usize = 1024;
        self.queue.borrow_mut().shrink_to(KEEP);
        self.after_events.borrow_mut().shrink_to(KEEP);
    }

    /// How many runnables wait.
    pub(crate) fn ready(&self) -> usize {
        let back = self.back.take();
        self.back.set(back);
        self.queue.borrow().len() + usize::from(self.handoff_is_set()) + usize::from(back.is_some())
    }

    /// How many tasks (not the `block_on` future) wait to run, set aside
    /// ones included.
    pub(crate) fn ready_tasks(&self) -> usize {
        self.ready() + self.after_events.borrow().len() - usize::from(self.main_queued.get())
    }

    /// The tasks waiting to run, set aside ones included, for a task dump.
    pub(crate) fn queued_tasks(&self) -> Vec<RawTask> {
        let slots = [self.handoff.get(), self.back.get()];
        let queue = self.queue.borrow();
        let aside = self.after_events.borrow();
        let all = slots
            .into_iter()
            .flatten()
            .chain(queue.iter().copied())
            .chain(aside.iter().copied());
        all.filter_map(|runnable| match runnable {
            Runnable::Task(task) => Some(task),
            Runnable::Main => None,
        })
        .collect()
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

    /// Empties the queue, the slot and what is set aside, for shutdown.
    pub(crate) fn drain(&self) -> Vec<Runnable> {
        self.main_queued.set(false);
        let mut all: Vec<Runnable> = self.handoff.take().into_iter().chain(self.back.take()).collect();
        all.extend(self.queue.borrow_mut().drain(..));
        all.append(&mut self.after_events.borrow_mut());
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
