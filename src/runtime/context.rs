//! The thread-local link from free functions (`spawn`, `sleep`, wakers) to
//! the runtime that lives on this thread.

use std::cell::Cell;
use std::ptr;

use super::core::Core;

thread_local! {
    /// The runtime that free functions use on this thread: the one being
    /// driven, or else the first one created here and still alive.
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
    /// Whether some runtime's `block_on`, `turn` or `run_until_stalled` is on
    /// this thread's stack.
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on the current runtime's core, if there is one.
pub(crate) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let core = CURRENT.with(Cell::get);
    // SAFETY: `CURRENT` only ever holds the address of a boxed `Core` whose
    // `Runtime` is alive: it is set by the runtime and cleared (or restored)
    // before the core is freed. The runtime is `!Send`, so it cannot be freed
    // on another thread meanwhile, and it cannot be dropped while one of its
    // own methods, which are what reach here, is on the stack.
    (!core.is_null()).then(|| f(unsafe { &*core }))
}

/// Runs `f` on the current runtime's core.
///
/// # Panics
/// With a message that names `what`, if no runtime exists on this thread.
#[track_caller]
pub(crate) fn with_core<R>(what: &str, f: impl FnOnce(&Core) -> R) -> R {
    match with_current(f) {
        Some(r) => r,
        None => panic!(
            "`{what}` needs a grove runtime on this thread, and there is none. \
             Start one with `grove::run(async {{ .. }})` or `Runtime::new()`, and call \
             `{what}` from the code it runs. From another thread, use `Handle::spawn`."
        ),
    }
}

/// Makes `core` current until the returned guard drops.
pub(crate) fn enter(core: &Core) -> CurrentGuard {
    CurrentGuard {
        previous: CURRENT.with(|c| c.replace(core)),
    }
}

/// Makes `core` current if no runtime is, for as long as it lives.
pub(crate) fn adopt(core: &Core) {
    CURRENT.with(|c| {
        if c.get().is_null() {
            c.set(core);
        }
    });
}

/// Stops `core` being current, before it is freed.
pub(crate) fn forget(core: &Core) {
    CURRENT.with(|c| {
        if ptr::eq(c.get(), core) {
            c.set(ptr::null());
        }
    });
}

/// Restores the previously current runtime.
pub(crate) struct CurrentGuard {
    previous: *const Core,
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
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

/// Clears the driving mark.
pub(crate) struct DrivingGuard(());

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        DRIVING.with(|d| d.set(false));
    }
}
