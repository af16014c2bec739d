//! The cooperative budget: one task must not hold the thread.
//!
//! A grove future that can complete without waiting (a socket read with
//! data buffered, a get from a non-empty queue, a timer already due) lets a
//! loop of such operations run without ever returning `Pending`, and the
//! runtime gets its thread back only when a task's poll returns: every
//! other task, socket and timer would starve. So each poll of a task starts
//! with a budget of [`BUDGET`] such operations. Each one that completes
//! spends a unit; once none is left, the next one returns `Pending` instead,
//! and its task is deferred until the loop has looked at I/O and timers. An
//! operation that returns `Pending` anyway spends nothing. tokio's `coop`
//! works the same way, with the same figure.
//!
//! The budget is a thread-local cell, not a field of the task: it is read
//! on paths (a queue's get) that have no other reason to find the runtime.
//! It has no destructor, so it stays usable at thread exit. Outside of a
//! task's poll, and inside [`unconstrained`](crate::task::unconstrained),
//! no budget applies.

use std::cell::Cell;
use std::task::{Context, Poll, Waker};

use super::context;

/// Operations a task may complete in one poll before it yields once.
pub(crate) const BUDGET: u32 = 256;

/// The budget where none applies. Spending counts down from it too (that
/// keeps a spend to one decrement), but it would take one poll 2^32
/// operations, many seconds of them, to run it out.
const UNCONSTRAINED: u32 = u32::MAX;

thread_local! {
    /// Units left to the task being polled, or about [`UNCONSTRAINED`].
    static LEFT: Cell<u32> = const { Cell::new(UNCONSTRAINED) };
}

/// Puts the outer budget back, even if the poll unwinds.
struct Restore(u32);

impl Drop for Restore {
    fn drop(&mut self) {
        LEFT.set(self.0);
    }
}

/// Gives the task about to be polled a full budget. The run loop calls it
/// before every poll, so a budget left over from the last one never
/// matters; [`Driving`] lifts it when the loop returns.
#[inline]
pub(crate) fn refill() {
    LEFT.set(BUDGET);
}

/// Lifts the budget when the loop that set it returns (even by unwinding),
/// so that code running outside of any task has none.
pub(crate) struct Driving(());

/// Marks the start of a loop that polls tasks; see [`Driving`].
pub(crate) fn driving() -> Driving {
    Driving(())
}

impl Drop for Driving {
    fn drop(&mut self) {
        LEFT.set(UNCONSTRAINED);
    }
}

/// Runs `f` with no budget at all.
pub(crate) fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    let _restore = Restore(LEFT.replace(UNCONSTRAINED));
    f()
}

/// Whether the running task may complete another operation: with its
/// budget spent, defers the task (see the module docs) and returns
/// `Pending`. An operation that then completes calls [`spend`].
#[inline]
pub(crate) fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    if LEFT.get() == 0 {
        defer(cx.waker());
        return Poll::Pending;
    }
    Poll::Ready(())
}

/// Spends a unit: an operation that [`poll_budget`] let through completed.
#[inline]
pub(crate) fn spend() {
    LEFT.set(LEFT.get() - 1);
}

/// Spends a unit without asking [`poll_budget`] first, for an operation
/// that always happens (a handoff to a waiting task): with none left it
/// stays spent, and the next operation yields.
#[inline]
pub(crate) fn spend_anyway() {
    LEFT.set(LEFT.get().saturating_sub(1));
}

/// Whether the running task has spent its budget.
#[cfg(test)]
fn is_spent() -> bool {
    LEFT.get() == 0
}

/// Has the task behind `waker` polled again after the loop's next look at
/// I/O and timers. With no grove loop running on this thread (a future
/// polled by another executor ran the unconstrained budget out), this is a
/// plain yield, and the budget is lifted again.
#[cold]
fn defer(waker: &Waker) {
    let driving = context::is_driving();
    if driving && context::set_aside_here(waker) {
        return;
    }
    if !driving {
        LEFT.set(UNCONSTRAINED);
    }
    waker.wake_by_ref();
}

#[cfg(test)]
mod tests {
    use std::task::Context;

    use super::*;

    #[test]
    fn a_task_may_complete_its_budget_then_is_refused_once() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        {
            let _driving = driving();
            refill();
            for _ in 0..BUDGET {
                assert!(poll_budget(&mut cx).is_ready(), "refused within the budget");
                spend();
            }
            assert!(is_spent());
            assert!(poll_budget(&mut cx).is_pending());
        }
        assert!(!is_spent(), "the budget ends with the loop");
    }

    #[test]
    fn an_operation_that_waits_anyway_spends_nothing() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let _driving = driving();
        refill();
        for _ in 0..10 * BUDGET {
            assert!(poll_budget(&mut cx).is_ready(), "refused");
        }
    }

    #[test]
    fn no_budget_applies_outside_a_task_or_inside_unconstrained() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        for _ in 0..1000 {
            assert!(poll_budget(&mut cx).is_ready());
            spend();
        }
        let _driving = driving();
        refill();
        unconstrained(|| {
            for _ in 0..1000 {
                assert!(poll_budget(&mut cx).is_ready(), "refused");
                spend();
            }
        });
        assert!(!is_spent(), "the task's own budget is untouched");
    }

    #[test]
    fn outside_a_loop_a_run_out_budget_yields_once_and_is_lifted() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        // As if another executor had polled grove futures 2^32 times.
        LEFT.set(0);
        assert!(poll_budget(&mut cx).is_pending());
        assert!(poll_budget(&mut cx).is_ready());
        assert_eq!(LEFT.get(), UNCONSTRAINED);
    }
}
