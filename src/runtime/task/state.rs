//! The lifecycle of a task cell: its state bits, and the only transitions
//! that change them.
//!
//! The bits are private to this file. Each transition checks what it may
//! assume, changes the bits once, and returns what the caller must do next;
//! the callers (the run loop, the join handle, wakers) test no bit
//! themselves, only named questions (`is_finished`, `joined`). Outside of
//! `runtime/task/`, only the transitions that cannot free the cell or
//! touch the stage are visible; the others are wrapped by `RawTask`. Whether the cell may be freed is one question, [`is_unused`]:
//! the runtime side holds a single reference between the run queue, the
//! registry of waiting tasks, the join handle and the runtime's own work on
//! a finishing task, and lets it go only when none of them needs the cell.
//!
//! The bits live in a plain `Cell<u32>` because only the runtime's own
//! thread reads or writes them: wakers used on other threads never touch the
//! state, they hand the task to the runtime's inject queue instead (see
//! `waker.rs`). Only the reference count (in `raw.rs`) is atomic. (The
//! one exception is a bit set at birth, read when the last reference frees
//! the cell: see [`NOT_CARVED`].)
//!
//! [`is_unused`]: State::is_unused

use std::cell::Cell;

/// The task sits in the run queue or the handoff slot. Set by a wake,
/// cleared when the scheduler takes the task out. Never set again once
/// [`FINISHED`]: wakes of a finished task are ignored.
const SCHEDULED: u32 = 1 << 0;

/// The task is being polled. A kill that arrives now only sets [`KILLED`]:
/// a future cannot be dropped from inside its own `poll`, so the run loop
/// drops it when the poll returns.
const RUNNING: u32 = 1 << 1;

/// The future is gone: it returned, panicked or was killed. Final.
const FINISHED: u32 = 1 << 2;

/// The task was killed. Set with or before [`FINISHED`].
const KILLED: u32 = 1 << 3;

/// The stage holds the future. Set at birth; cleared just before the future
/// is dropped, so that nothing re-enters it while its destructors run.
/// Excludes [`OUTPUT`].
const FUTURE: u32 = 1 << 4;

/// The stage holds the task's result (`Ok` or a failure), not yet taken by
/// the join handle. Excludes [`FUTURE`].
const OUTPUT: u32 = 1 << 5;

/// A join handle for the task exists.
const HANDLE: u32 = 1 << 6;

/// The task is in the runtime's registry of waiting tasks: set the first
/// time it returns `Pending`, cleared when it finishes.
const REGISTERED: u32 = 1 << 7;

/// The task has made task-local values, to be dropped when it ends.
const HAS_LOCALS: u32 = 1 << 8;

/// The runtime is finishing the task: dropping its future and task-locals,
/// waking its joiner. Those run user code, which may drop the task's own
/// join handle; this bit keeps the cell until the runtime is done.
const RETIRING: u32 = 1 << 9;

/// The cell's memory came from the global allocator, not from the
/// runtime's cells (`Handle::spawn` made it, mostly on another thread):
/// freeing it gives it back to the allocator, where the thread that made it
/// can reuse it. Set at birth; never changes. The one bit read off the
/// runtime's thread: by the last reference, when it frees the cell.
const NOT_CARVED: u32 = 1 << 10;

/// Bits that keep the runtime side's reference: while any is set, something
/// on the runtime's thread still needs the cell.
const KEEPS_CELL: u32 = SCHEDULED | RUNNING | OUTPUT | HANDLE | REGISTERED | RETIRING;

/// What an unfinished task is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Being polled.
    Running,
    /// In the run queue, the handoff slot, or set aside.
    Scheduled,
    /// Waiting for a wake.
    Idle,
}

/// What the run loop does with a task it took from the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Poll it: it is now running.
    Poll,
    /// It was killed while queued: finish it as killed, unpolled.
    Kill,
    /// It finished while queued (a wake that raced its end): nothing to do
    /// but let the cell go if nothing else holds it.
    Done,
}

/// What the run loop does after a poll returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndPoll {
    /// It waits, and is already in the registry.
    Wait,
    /// It waits for the first time: add it to the registry.
    Register,
    /// It returned (or panicked): finish it.
    Complete,
    /// It was killed during the poll: finish it as killed.
    Kill,
}

/// What a finishing task still has, for the runtime to clean up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retire {
    /// Take it out of the registry.
    pub(crate) registered: bool,
    /// Drop its task-local values.
    pub(crate) has_locals: bool,
}

/// What a join handle finds when it is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Joined {
    /// Still running.
    Pending,
    /// Finished with a result to take.
    Output,
    /// Killed, with no result.
    Killed,
    /// The result was taken already.
    Taken,
}

/// A task's lifecycle bits.
pub(crate) struct State(Cell<u32>);

impl State {
    /// A new task holding its future, with a join handle if `handle`, in
    /// memory from the runtime's cells if `carved`.
    pub(super) fn new(handle: bool, carved: bool) -> State {
        let handle = if handle { HANDLE } else { 0 };
        let carved = if carved { 0 } else { NOT_CARVED };
        State(Cell::new(FUTURE | handle | carved))
    }

    /// Whether the cell's memory came from the runtime's `Cells::take`
    /// (which serves cells too large to carve from the allocator), not
    /// from the global allocator directly.
    pub(super) fn is_carved(&self) -> bool {
        self.get() & NOT_CARVED == 0
    }

    #[inline]
    fn get(&self) -> u32 {
        self.0.get()
    }

    #[inline]
    fn set(&self, bits: u32) {
        self.0.set(bits);
    }

    fn has(&self, bits: u32) -> bool {
        self.get() & bits != 0
    }

    /// A wake: whether the task must be queued now. Not if it is queued
    /// already or finished.
    #[inline]
    pub(crate) fn transition_to_scheduled(&self) -> bool {
        let state = self.get();
        if state & (SCHEDULED | FINISHED) != 0 {
            return false;
        }
        self.set(state | SCHEDULED);
        true
    }

    /// The run loop took the task out of the queue to run it.
    #[inline]
    pub(super) fn transition_to_running(&self) -> Start {
        let state = self.get() & !SCHEDULED;
        if state & (FINISHED | KILLED) == 0 {
            self.set(state | RUNNING);
            return Start::Poll;
        }
        self.set(state);
        if state & FINISHED != 0 {
            Start::Done
        } else {
            Start::Kill
        }
    }

    /// Shutdown took the task out of the queue: whether it is unfinished,
    /// and so must be killed.
    pub(super) fn transition_to_dequeued(&self) -> bool {
        let state = self.get() & !SCHEDULED;
        self.set(state);
        state & FINISHED == 0
    }

    /// The poll returned, `ready` or not.
    #[inline]
    pub(crate) fn transition_to_idle(&self, ready: bool) -> EndPoll {
        let state = self.get() & !RUNNING;
        let (state, next) = if state & KILLED != 0 {
            (state, EndPoll::Kill)
        } else if ready {
            (state, EndPoll::Complete)
        } else if state & REGISTERED == 0 {
            (state | REGISTERED, EndPoll::Register)
        } else {
            (state, EndPoll::Wait)
        };
        self.set(state);
        next
    }

    /// The task ends, `killed` or not. Returns whether the stage must be
    /// dropped now: a killed task's future, or a result that no join handle
    /// will take. The task is [`RETIRING`] until [`transition_to_retired`].
    ///
    /// [`transition_to_retired`]: State::transition_to_retired
    pub(super) fn transition_to_finished(&self, killed: bool) -> bool {
        let state = self.get();
        debug_assert!(state & FINISHED == 0, "a task finished twice");
        let killed_bit = if killed { KILLED } else { 0 };
        self.set(state | FINISHED | RETIRING | killed_bit);
        killed || state & HANDLE == 0
    }

    /// The runtime cleans up after a finished task: what is left to do.
    /// Takes it out of the registry's books.
    pub(super) fn transition_to_retiring(&self) -> Retire {
        let state = self.get();
        debug_assert!(state & RETIRING != 0);
        self.set(state & !(REGISTERED | HAS_LOCALS));
        Retire {
            registered: state & REGISTERED != 0,
            has_locals: state & HAS_LOCALS != 0,
        }
    }

    /// The runtime is done with a finished task.
    pub(super) fn transition_to_retired(&self) {
        self.set(self.get() & !RETIRING);
    }

    /// A kill was asked for: whether the task must be scheduled, so that the
    /// run loop drops it. Not if it finished or was killed already.
    pub(super) fn transition_to_killed(&self) -> bool {
        let state = self.get();
        if state & (FINISHED | KILLED) != 0 {
            return false;
        }
        self.set(state | KILLED);
        true
    }

    /// The join handle is gone.
    pub(super) fn drop_join_handle(&self) {
        self.set(self.get() & !HANDLE);
    }

    /// What the join handle can take.
    pub(super) fn joined(&self) -> Joined {
        let state = self.get();
        if state & FINISHED == 0 {
            Joined::Pending
        } else if state & OUTPUT != 0 {
            Joined::Output
        } else if state & KILLED != 0 {
            Joined::Killed
        } else {
            Joined::Taken
        }
    }

    /// The task made a task-local value.
    pub(crate) fn set_has_locals(&self) {
        self.set(self.get() | HAS_LOCALS);
    }

    /// Whether the task is queued to run (in the run queue, the handoff or
    /// back slot, or set aside until the next look at events).
    pub(crate) fn is_scheduled(&self) -> bool {
        self.has(SCHEDULED)
    }

    /// Whether the future is gone.
    pub(crate) fn is_finished(&self) -> bool {
        self.has(FINISHED)
    }

    /// What an unfinished task is doing, for a task dump.
    pub(crate) fn activity(&self) -> Activity {
        if self.has(RUNNING) {
            Activity::Running
        } else if self.has(SCHEDULED) {
            Activity::Scheduled
        } else {
            Activity::Idle
        }
    }

    /// Whether the stage holds the future.
    pub(super) fn has_future(&self) -> bool {
        self.has(FUTURE)
    }

    /// Whether the stage holds a result.
    pub(super) fn has_output(&self) -> bool {
        self.has(OUTPUT)
    }

    /// The future is about to be dropped (or replaced by its result).
    pub(super) fn take_future(&self) {
        debug_assert!(self.has(FUTURE));
        self.set(self.get() & !FUTURE);
    }

    /// The result has replaced the future.
    pub(super) fn put_output(&self) {
        debug_assert!(!self.has(FUTURE | OUTPUT));
        self.set(self.get() | OUTPUT);
    }

    /// The result is about to be moved out or dropped: whether there was one.
    pub(super) fn take_output(&self) -> bool {
        let state = self.get();
        self.set(state & !OUTPUT);
        state & OUTPUT != 0
    }

    /// Whether nothing on the runtime side needs the cell any more. Then the
    /// task is finished and its stage empty.
    pub(super) fn is_unused(&self) -> bool {
        let state = self.get();
        let unused = state & KEEPS_CELL == 0;
        debug_assert!(!unused || (state & FINISHED != 0 && state & FUTURE == 0));
        unused
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "State({:#b})", self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task through its common life: spawned, polled twice, completed,
    /// its result taken and its handle dropped.
    #[test]
    fn a_task_that_waits_once_then_completes() {
        let s = State::new(true, true);
        assert!(!s.is_unused(), "the handle keeps it");
        assert!(s.transition_to_scheduled());
        assert!(!s.transition_to_scheduled(), "queued once");
        assert_eq!(s.transition_to_running(), Start::Poll);
        assert!(s.transition_to_scheduled(), "woken during its poll: queued again");
        assert_eq!(s.transition_to_idle(false), EndPoll::Register);
        assert_eq!(s.transition_to_running(), Start::Poll);
        s.take_future();
        s.put_output();
        assert_eq!(s.transition_to_idle(true), EndPoll::Complete);
        assert!(!s.transition_to_finished(false), "the handle takes the result");
        assert_eq!(
            s.transition_to_retiring(),
            Retire {
                registered: true,
                has_locals: false
            }
        );
        s.transition_to_retired();
        assert!(!s.transition_to_scheduled(), "a finished task is never queued");
        assert_eq!(s.joined(), Joined::Output);
        assert!(s.take_output());
        assert_eq!(s.joined(), Joined::Taken);
        assert!(!s.is_unused());
        s.drop_join_handle();
        assert!(s.is_unused());
    }

    #[test]
    fn a_second_wait_needs_no_registration() {
        let s = State::new(true, true);
        s.transition_to_scheduled();
        s.transition_to_running();
        assert_eq!(s.transition_to_idle(false), EndPoll::Register);
        s.transition_to_scheduled();
        s.transition_to_running();
        assert_eq!(s.transition_to_idle(false), EndPoll::Wait);
    }

    #[test]
    fn a_detached_task_drops_its_result_at_once() {
        let s = State::new(false, true);
        s.transition_to_scheduled();
        s.transition_to_running();
        s.take_future();
        s.put_output();
        s.transition_to_idle(true);
        assert!(s.transition_to_finished(false), "no handle will take it");
        assert!(s.take_output());
        s.transition_to_retiring();
        assert!(!s.is_unused(), "retiring keeps it");
        s.transition_to_retired();
        assert!(s.is_unused());
    }

    #[test]
    fn a_kill_before_the_first_poll_means_it_never_runs() {
        let s = State::new(true, true);
        s.transition_to_scheduled();
        assert!(s.transition_to_killed());
        assert!(!s.transition_to_killed(), "killing twice does nothing");
        assert_eq!(s.transition_to_running(), Start::Kill);
        assert!(s.transition_to_finished(true), "the future is dropped unpolled");
        s.take_future();
        s.transition_to_retiring();
        s.transition_to_retired();
        assert_eq!(s.joined(), Joined::Killed);
        s.drop_join_handle();
        assert!(s.is_unused());
    }

    #[test]
    fn a_kill_during_the_poll_waits_for_it_to_return() {
        let s = State::new(true, true);
        s.transition_to_scheduled();
        s.transition_to_running();
        assert!(s.transition_to_killed());
        assert!(!s.is_finished());
        assert_eq!(s.transition_to_idle(true), EndPoll::Kill, "a kill wins over the result");
    }

    #[test]
    fn a_finished_task_cannot_be_killed() {
        let s = State::new(true, true);
        s.transition_to_scheduled();
        s.transition_to_running();
        s.take_future();
        s.put_output();
        s.transition_to_idle(true);
        s.transition_to_finished(false);
        assert!(!s.transition_to_killed());
        assert_eq!(s.joined(), Joined::Output, "the result stays");
    }

    #[test]
    fn a_wake_that_raced_the_end_is_dropped_when_dequeued() {
        let s = State::new(false, true);
        s.transition_to_scheduled();
        s.transition_to_running();
        assert!(s.transition_to_scheduled(), "woken while running");
        s.transition_to_idle(true);
        s.transition_to_finished(false);
        s.take_future();
        s.transition_to_retiring();
        s.transition_to_retired();
        assert!(!s.is_unused(), "the queue still holds it");
        assert_eq!(s.transition_to_running(), Start::Done);
        assert!(s.is_unused());
    }

    #[test]
    fn shutdown_kills_queued_tasks_and_skips_finished_ones() {
        let queued = State::new(true, true);
        queued.transition_to_scheduled();
        assert!(queued.transition_to_dequeued());
        let done = State::new(false, true);
        done.transition_to_scheduled();
        done.transition_to_running();
        done.transition_to_scheduled();
        done.transition_to_idle(true);
        done.transition_to_finished(false);
        assert!(!done.transition_to_dequeued());
    }

    #[test]
    fn locals_are_reported_once_when_retiring() {
        let s = State::new(true, true);
        s.set_has_locals();
        s.transition_to_scheduled();
        s.transition_to_running();
        s.transition_to_idle(true);
        s.transition_to_finished(false);
        assert!(s.transition_to_retiring().has_locals);
        assert!(!s.has(HAS_LOCALS));
    }
}
