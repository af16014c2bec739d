//! The thread-local link from free functions (`spawn`, `sleep`, wakers) to
//! the runtime that lives on this thread.
//!
//! A runtime may be dropped while the thread's locals are being destroyed:
//! kept in a user's `thread_local!` slot, it is dropped at thread exit, and
//! possibly after `LIVE` is gone. So every access on a drop path survives
//! that: `CURRENT` and `DRIVING` are `const` cells with no destructor, which
//! stay usable to the end, and `LIVE` is reached with `try_with`, treating a
//! destroyed list as empty.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::task::Waker;

use super::core::Core;

thread_local! {
    /// The runtime that free functions use on this thread: the one being
    /// driven, or else one created here and still alive.
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
    /// Every runtime alive on this thread, oldest first. `CURRENT` never
    /// points anywhere else: a runtime dropped while another was being
    /// driven must not come back as "previous" when that one returns.
    static LIVE: RefCell<Vec<*const Core>> = const { RefCell::new(Vec::new()) };
    /// Whether some runtime's `block_on`, `turn` or `run_until_stalled` is on
    /// this thread's stack.
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on the current runtime's core, if there is one.
// The hop path: see `runtime/wait/mod.rs`.
#[inline(always)]
pub(crate) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let core = CURRENT.with(Cell::get);
    // SAFETY: `CURRENT` only ever holds the address of a boxed `Core` whose
    // `Runtime` is alive: `forget` clears it of a core (and takes the core
    // out of `LIVE`) before the core is freed, and guards only restore
    // cores still in `LIVE` (none once `LIVE` is destroyed).
    // The runtime is `!Send`, so it cannot be freed on another thread, and
    // it cannot be dropped while one of its own methods is on the stack.
    (!core.is_null()).then(|| f(unsafe { &*core }))
}

/// Schedules whoever `waker` wakes, if it is a task of the current runtime
/// or its `block_on` future; with `next`, ahead of the tasks already queued
/// (a handoff). Returns `false`, doing nothing, for any other waker. The
/// waker is only looked at, so no reference count changes hands.
#[inline]
pub(crate) fn wake_here(waker: &Waker, next: bool) -> bool {
    with_current(|core| core.wake_here(waker, next)) == Some(true)
}

/// Whether `waker` belongs to a task of the current runtime that has
/// finished, so that waking it would never do anything.
pub(crate) fn finished_here(waker: &Waker) -> bool {
    with_current(|core| core.finished_here(waker)) == Some(true)
}

/// For the runnable behind `waker`, which just handed off: has it run again
/// right after its partner. Returns `false` for any other waker.
pub(crate) fn switch_back_here(waker: &Waker) -> bool {
    with_current(|core| core.switch_back_here(waker)) == Some(true)
}

/// As [`wake_here`], but the runnable is set aside until the loop's next
/// look at I/O and timers.
pub(crate) fn set_aside_here(waker: &Waker) -> bool {
    with_current(|core| core.set_aside_here(waker)) == Some(true)
}

/// Runs `f` on the current runtime's core.
///
/// # Panics
/// With a message that names `what`, if no runtime exists on this thread.
// Inlined, with the panic out of line: a timer's poll goes through here.
#[inline]
#[track_caller]
pub(crate) fn with_core<R>(what: &str, f: impl FnOnce(&Core) -> R) -> R {
    match with_current(f) {
        Some(r) => r,
        None => no_runtime(what),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn no_runtime(what: &str) -> ! {
    panic!(
        "`{what}` needs a grove runtime on this thread, and there is none. \
         Start one with `grove::run(async {{ .. }})` or `Runtime::new()`, and call \
         `{what}` from the code it runs. From another thread, use `Handle::spawn`."
    )
}

/// Makes `core` current until the returned guard drops.
pub(crate) fn enter(core: &Core) -> CurrentGuard {
    CurrentGuard {
        previous: CURRENT.with(|c| c.replace(core)),
    }
}

/// Records a new runtime on this thread, and makes it current if no
/// runtime is.
pub(crate) fn adopt(core: &Core) {
    // During thread-local teardown the list is gone, and the runtime is
    // current only until it is dropped.
    let _ = LIVE.try_with(|live| live.borrow_mut().push(core));
    CURRENT.with(|c| {
        if c.get().is_null() {
            c.set(core);
        }
    });
}

/// Forgets `core`, before it is freed: if it was current, the newest other
/// runtime alive on this thread (if any) becomes current.
pub(crate) fn forget(core: &Core) {
    let newest = LIVE
        .try_with(|live| {
            let mut live = live.borrow_mut();
            live.retain(|&c| !ptr::eq(c, core));
            live.last().copied().unwrap_or(ptr::null())
        })
        .unwrap_or(ptr::null());
    CURRENT.with(|c| {
        if ptr::eq(c.get(), core) {
            c.set(newest);
        }
    });
}

/// Restores the previously current runtime, if it is still alive.
pub(crate) struct CurrentGuard {
    previous: *const Core,
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        // With the list destroyed (thread exit), no runtime can be shown to
        // be alive: none is made current.
        let restore = LIVE
            .try_with(|live| {
                let live = live.borrow();
                if live.contains(&self.previous) {
                    self.previous
                } else {
                    live.last().copied().unwrap_or(ptr::null())
                }
            })
            .unwrap_or(ptr::null());
        CURRENT.with(|c| c.set(restore));
    }
}

/// Marks this thread as driving a runtime until the guard drops.
///
/// # Panics
/// If the thread already drives one: a nested `block_on` would stop the
/// outer runtime's tasks until it returned, or deadlock waiting for them.
#[track_caller]
pub(crate) fn start_driving(what: &str) -> DrivingGuard {
    if DRIVING.with(|d| d.replace(true)) {
        panic!(
            "`{what}` was called on a thread that is already running a grove runtime \
             (inside `block_on`, `grove::run` or `turn`). Blocking here would stall every \
             task of that runtime. Use `.await` on the future instead, or `grove::spawn` it; \
             for blocking code, run it on another thread and await the result."
        );
    }
    DrivingGuard(())
}

/// Whether some runtime's loop is running on this thread.
pub(crate) fn is_driving() -> bool {
    DRIVING.with(Cell::get)
}

/// Clears the driving mark.
pub(crate) struct DrivingGuard(());

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        DRIVING.with(|d| d.set(false));
    }
}
