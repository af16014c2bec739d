//! The runtime's engine: it spawns tasks, runs them, waits for I/O and
//! timers, and drops whatever is left at shutdown. Runtime thread only.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use super::Builder;
use super::RuntimeId;
use super::reactor::Reactor;
use super::scheduler::{Current, Runnable, Scheduler};
use super::shared::Shared;
use super::task::cache::CellCache;
use super::task::raw::drop_payload;
use super::task::state::{FINISHED, HANDLE, HAS_LOCALS, KILLED, LINKED, RETIRING, RUNNING, SCHEDULED, STARTED};
use super::task::{LocalStore, TaskId};
use super::task::{RawTask, TaskName, waker};
use super::timers::{Tick, Timers};

/// Tasks run between two checks of I/O, timers and the inject queue, so that
/// a loop of `yield_now` cannot starve sockets or timers.
pub(crate) const EVENT_INTERVAL: usize = 64;

/// Everything a runtime owns on its thread.
pub(crate) struct Core {
    /// This runtime's id; task headers and timer keys carry it.
    pub(crate) id: RuntimeId,
    /// Run queue, handoff slot and the list of live tasks.
    pub(crate) scheduler: Scheduler,
    /// Armed timers.
    pub(crate) timers: RefCell<Timers>,
    /// mio's poller and the I/O slots.
    pub(crate) reactor: Reactor,
    /// What other threads reach: the inject queue and the poll's waker.
    pub(crate) shared: Arc<Shared>,
    /// Task-local values, by task.
    pub(crate) locals: LocalStore,
    /// Memory of freed task cells, for the next spawns.
    pub(crate) cells: CellCache,
    /// The waker of the running `block_on` future, to recognize handoffs to it.
    pub(crate) main_waker: RefCell<Option<Waker>>,
    /// The inject queue was drained without polling, so the poller still
    /// holds the wake-up event: until a poll collects it, the poller's file
    /// descriptor stays readable for a host loop watching it.
    wake_uncollected: Cell<bool>,
    /// The pool of `spawn_blocking`, started on first use.
    #[cfg(feature = "blocking")]
    pub(crate) blocking: crate::blocking::RuntimePool,
}

/// Runs `f`, containing a panic (whose message the panic hook has already
/// printed): user code run by the runtime itself must not unwind through it.
pub(crate) fn contain(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        drop_payload(payload);
    }
}

impl Core {
    #[cfg_attr(not(feature = "blocking"), allow(unused_variables))]
    pub(crate) fn new(builder: &Builder) -> io::Result<Core> {
        let (reactor, waker) = Reactor::new()?;
        let shared = Shared::register(waker)?;
        Ok(Core {
            id: shared.id,
            scheduler: Scheduler::default(),
            timers: RefCell::new(Timers::new()),
            reactor,
            shared,
            locals: LocalStore::default(),
            cells: CellCache::default(),
            main_waker: RefCell::new(None),
            wake_uncollected: Cell::new(false),
            #[cfg(feature = "blocking")]
            blocking: crate::blocking::RuntimePool::new(builder.blocking_threads),
        })
    }

    /// Whether this is runtime `id`.
    pub(crate) fn is(&self, id: RuntimeId) -> bool {
        self.id == id
    }

    /// Creates a task and queues it. It first runs at the scheduler's next
    /// turn, never inside this call.
    pub(crate) fn spawn<F, N>(&self, future: F, name: N) -> RawTask
    where
        F: Future + 'static,
        N: TaskName,
    {
        let task = RawTask::new(future, name, TaskId::next(), self.id, Some(&self.cells));
        task.insert(HANDLE);
        self.admit(task);
        task
    }

    /// Counts a new task and queues it. It enters the registry of live
    /// tasks only if it ever waits (see `park_task`): until its first poll the
    /// run queue is where shutdown finds it, and a task that finishes in its
    /// first poll never costs a registration.
    fn admit(&self, task: RawTask) {
        self.scheduler.alive.set(self.scheduler.alive.get() + 1);
        self.scheduler.schedule(task);
    }

    /// Registers a task that returned `Pending` for the first time, so that
    /// shutdown can find it wherever its wakers are.
    fn park_task(&self, task: RawTask) {
        debug_assert!(!task.has(LINKED), "a task registered twice");
        task.insert(LINKED);
        self.scheduler.live.insert(task);
    }

    /// Whether any task is alive.
    pub(crate) fn has_tasks(&self) -> bool {
        self.scheduler.alive.get() > 0
    }

    /// Runs one task until it returns `Pending`, finishes or is killed.
    #[inline(always)]
    pub(crate) fn run_task(&self, task: RawTask) {
        // The state is read and written once on the way in and once on the
        // way out of the poll: this is the path every wake-up takes.
        let state = task.state() & !SCHEDULED;
        if state & (FINISHED | KILLED) != 0 {
            task.set_state(state);
            if state & FINISHED != 0 {
                task.release_if_unused();
            } else {
                self.kill_now(task);
            }
            return;
        }
        task.set_state(state | RUNNING | STARTED);
        let waker = task.waker_ref();
        let poll = self.as_current(task, || task.poll(&mut Context::from_waker(&waker)));
        let state = task.state() & !RUNNING;
        task.set_state(state);
        if state & KILLED != 0 {
            self.kill_now(task);
        } else if poll.is_ready() {
            self.complete(task);
        } else if state & LINKED == 0 {
            self.park_task(task);
        }
    }

    /// Runs `f` with `task` as the current task.
    fn as_current<R>(&self, task: RawTask, f: impl FnOnce() -> R) -> R {
        let _current = self.scheduler.enter(Current {
            id: task.id(),
            task: Some(task),
        });
        f()
    }

    /// The task returned (or panicked) and its result is in the stage.
    fn complete(&self, task: RawTask) {
        task.insert(FINISHED | RETIRING);
        if !task.has(HANDLE) {
            // Detached: nobody will take the result.
            self.as_current(task, || task.drop_stage());
        }
        self.retire(task);
    }

    /// Drops a killed task's future (or result), running its destructors.
    pub(crate) fn kill_now(&self, task: RawTask) {
        task.insert(FINISHED | KILLED | RETIRING);
        self.as_current(task, || task.drop_stage());
        self.retire(task);
    }

    /// Takes a finished task out of the registry, drops its task-locals,
    /// wakes whoever joins it, and lets the cell go if nothing holds it. The
    /// caller set `RETIRING`, which keeps the cell while user code runs.
    fn retire(&self, task: RawTask) {
        self.scheduler.alive.set(self.scheduler.alive.get() - 1);
        if task.has(LINKED) {
            task.remove(LINKED);
            self.scheduler.live.remove(task);
        }
        if task.has(HAS_LOCALS) {
            // Their destructors run as the task.
            self.as_current(task, || self.locals.remove(task.id()));
        }
        if let Some(waker) = task.take_join_waker() {
            contain(|| waker.wake());
        }
        task.remove(RETIRING);
        task.release_if_unused();
    }

    /// Takes what other threads sent: wakes and spawns.
    pub(crate) fn drain_inject(&self) {
        let inject = self.shared.take();
        for task in inject.wakes {
            self.scheduler.schedule(task);
            task.ref_dec();
        }
        for task in inject.spawns {
            self.admit(task);
        }
        if inject.main {
            self.scheduler.schedule_main(false);
        }
    }

    /// Waits for I/O, timers or the inject queue, for at most `timeout`
    /// (`None`: until something happens), but not at all if anything is
    /// ready to run. Wakes whatever became ready.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        if self.shared.is_notified() {
            self.drain_inject();
            self.wake_uncollected.set(true);
        }
        let timeout = if self.scheduler.ready() > 0 {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        let next_timer = self.timers.borrow_mut().next_deadline();
        let timeout = match next_timer {
            Some(deadline) => {
                let until = deadline.saturating_duration_since(Instant::now());
                Some(timeout.map_or(until, |t| t.min(until)))
            }
            None => timeout,
        };
        if timeout != Some(Duration::ZERO) {
            // Going idle: let the memory of the last burst of tasks go.
            self.cells.shrink();
        }
        let timeout = self.await_blocking_results(timeout);
        let mut woken = Vec::new();
        // A zero-timeout poll with no sources and nothing injected would
        // only cost a syscall.
        let skip_poll = timeout == Some(Duration::ZERO)
            && self.reactor.len() == 0
            && !self.shared.is_notified()
            && !self.wake_uncollected.get();
        if !skip_poll {
            match self.reactor.poll(timeout, &mut woken) {
                Ok(true) => {
                    self.wake_uncollected.set(false);
                    self.drain_inject();
                }
                Ok(false) => {}
                Err(e) => panic!("grove: the I/O poller failed: {e}"),
            }
        }
        if next_timer.is_some() {
            self.timers.borrow_mut().fire(Tick::now(), &mut woken);
        }
        woken.into_iter().for_each(Waker::wake);
    }

    /// Before the loop sleeps while a job just handed to its blocking pool
    /// is out, watches the inject queue for a moment: a short job's result comes
    /// back sooner than a sleep in the poller and its wake-up would take.
    /// Returns the timeout left for the poller: zero if a wake-up came.
    fn await_blocking_results(&self, timeout: Option<Duration>) -> Option<Duration> {
        #[cfg(feature = "blocking")]
        if timeout != Some(Duration::ZERO) && self.blocking.result_due() {
            let start = Instant::now();
            let spin = timeout.map_or(crate::blocking::SPIN, |t| t.min(crate::blocking::SPIN));
            while start.elapsed() < spin {
                if self.shared.is_notified() {
                    return Some(Duration::ZERO);
                }
                std::hint::spin_loop();
            }
            // The spin counts against the wait, so timers stay on time.
            return timeout.map(|t| t.saturating_sub(start.elapsed()));
        }
        timeout
    }

    /// Schedules whoever `waker` wakes (to run next, with `next`), if it is
    /// a task of this runtime or its `block_on` future. Returns `false` for
    /// other wakers.
    #[inline(always)]
    pub(crate) fn wake_here(&self, waker: &Waker, next: bool) -> bool {
        match waker::task_of(waker) {
            Some(task) if self.is(task.header().runtime) => {
                if next {
                    self.scheduler.schedule_next(task);
                } else {
                    self.scheduler.schedule(task);
                }
                true
            }
            Some(_) => false,
            None => self.wake_main_here(waker, next),
        }
    }

    /// The rarer half of [`wake_here`](Core::wake_here): `waker` is not a
    /// task waker, but it may be the `block_on` future's.
    #[inline(never)]
    fn wake_main_here(&self, waker: &Waker, next: bool) -> bool {
        let is_main = self
            .main_waker
            .borrow()
            .as_ref()
            .is_some_and(|main| main.will_wake(waker));
        if is_main {
            self.scheduler.schedule_main(next);
        }
        is_main
    }

    /// Drops every task that is still alive, and everything queued. Other
    /// threads can no longer reach the runtime once this starts. Every
    /// unfinished task is either registered (it has waited) or queued (it
    /// has not run yet, or was woken); task destructors may spawn or wake
    /// others, so it goes on until both are empty.
    pub(crate) fn shutdown(&self) {
        let inject = self.shared.close();
        inject.wakes.into_iter().for_each(RawTask::ref_dec);
        inject.spawns.into_iter().for_each(|task| self.admit(task));
        loop {
            let parked = self.scheduler.live.snapshot();
            let queued = self.scheduler.drain();
            if parked.is_empty() && queued.is_empty() {
                break;
            }
            for task in parked {
                // A destructor of an earlier task may have killed this one.
                if !task.has(FINISHED) {
                    self.kill_now(task);
                }
            }
            for runnable in queued {
                let Runnable::Task(task) = runnable else { continue };
                task.remove(SCHEDULED);
                if task.has(FINISHED) {
                    task.release_if_unused();
                } else {
                    self.kill_now(task);
                }
            }
        }
    }
}
