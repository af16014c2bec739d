//! The runtime's engine: it spawns tasks, runs them, waits for I/O and
//! timers, and drops whatever is left at shutdown. Runtime thread only.
//!
//! Each driver (the scheduler, the timers, the reactor, the task-local
//! store, the task cells' memory) is a field of its own, reached by the layers above
//! through one narrow accessor.

use std::cell::{RefCell, RefMut};
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use super::RuntimeId;
use super::clock::Clock;
use super::observe::{Counters, Driven, Observer, RuntimeMetrics, TaskDump, TaskInfo, TaskState};
use super::park::Parker;
use super::reactor::Reactor;
use super::scheduler::{Current, Runnable, Scheduler, Turn};
use super::shared::{Inject, Remote};
use super::task::cells::Cells;
use super::task::outcome::{Plain, TaskFuture};
use super::task::raw::drop_payload;
use super::task::registry::Registry;
use super::task::state::{Activity, EndPoll, Start};
use super::task::{JoinHandle, LocalStore, RawTask, TaskId, TaskName, waker};
use super::timers::Timers;
use super::{Builder, coop};

/// Tasks run between two checks of I/O, timers and the inject queue, so that
/// a loop of `yield_now` cannot starve sockets or timers.
pub(crate) const EVENT_INTERVAL: usize = 64;

/// Everything a runtime owns on its thread.
pub(crate) struct Core {
    /// This runtime's id; task headers and timer keys carry it.
    id: RuntimeId,
    /// Run queue, handoff slot and the running task.
    scheduler: Scheduler,
    /// How many tasks are unfinished, and which of them have waited.
    registry: Registry,
    /// Armed timers.
    timers: RefCell<Timers>,
    /// mio's poller and the I/O slots.
    reactor: Reactor,
    /// What other threads reach: the inject queue and the poll's waker.
    remote: Remote,
    /// Task-local values, by task.
    locals: LocalStore,
    /// The memory task cells are carved from, and freed cells for reuse.
    cells: Cells,
    /// How the loop waits, and what it remembers between waits.
    parker: Parker,
    /// The inject queue's last batch, emptied: traded for the next one, so
    /// that a burst of spawns from other threads does not grow a new
    /// vector each time.
    injected: RefCell<Inject>,
    /// The waker of the running `block_on` future, to recognize handoffs to it.
    main_waker: RefCell<Option<Waker>>,
    /// Tasks run between two looks at I/O and timers.
    event_interval: usize,
    /// The real clock, or a paused one.
    clock: Clock,
    /// What the loop counts about itself.
    counters: Counters,
    /// The monitor, task table, hooks and spans, if any is on.
    observer: Option<Box<Observer>>,
    /// The pool of `spawn_blocking`, started on first use.
    #[cfg(feature = "blocking")]
    blocking: super::blocking::RuntimePool,
}

/// How a run of the queue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ran {
    /// The `block_on` future completed.
    Main,
    /// Nothing is ready.
    Empty,
    /// The limit of runnables was reached.
    Limit,
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
        // First what can fail and leaves nothing behind when dropped (the
        // monitor's thread is stopped): a registered remote keeps its
        // process-wide slot until the runtime shuts down, so it comes last.
        let observer = Observer::new(&builder.observe)?;
        let (reactor, waker, registry) = Reactor::new()?;
        let remote = Remote::register(waker, registry)?;
        Ok(Core {
            id: remote.id(),
            scheduler: Scheduler::default(),
            registry: Registry::default(),
            timers: RefCell::new(Timers::new()),
            reactor,
            remote,
            locals: LocalStore::default(),
            cells: Cells::default(),
            parker: Parker::default(),
            injected: RefCell::default(),
            main_waker: RefCell::new(None),
            event_interval: builder.event_interval,
            clock: Clock::new(builder.start_paused),
            counters: Counters::default(),
            observer,
            #[cfg(feature = "blocking")]
            blocking: super::blocking::RuntimePool::new(builder.blocking_threads),
        })
    }

    /// This runtime's id.
    pub(crate) fn id(&self) -> RuntimeId {
        self.id
    }

    /// Whether this is runtime `id`.
    pub(crate) fn is(&self, id: RuntimeId) -> bool {
        self.id == id
    }

    /// The armed timers.
    #[inline]
    pub(crate) fn timers(&self) -> RefMut<'_, Timers> {
        self.timers.borrow_mut()
    }

    /// The I/O reactor.
    pub(crate) fn reactor(&self) -> &Reactor {
        &self.reactor
    }

    /// The runtime's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The time now on the runtime's clock.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// What the loop counts about itself.
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// A call that drives the loop (`block_on`, `turn`,
    /// `run_until_stalled`) starts: its time counts as driven until the
    /// guard drops, which also publishes the metrics if another thread
    /// asked for them.
    pub(crate) fn driving(&self) -> Driving<'_> {
        Driving {
            core: self,
            _driven: self.counters.driving(),
        }
    }

    /// Publishes the metrics for `Handle::metrics`, if some handle asked.
    pub(crate) fn publish_metrics(&self) {
        if self.remote.metrics_wanted() {
            self.remote.publish_metrics(self.metrics());
        }
    }

    /// The observers, if any is on.
    pub(crate) fn observer(&self) -> Option<&Observer> {
        self.observer.as_deref()
    }

    /// The task-local values.
    pub(crate) fn locals(&self) -> &LocalStore {
        &self.locals
    }

    /// The memory of task cells.
    pub(crate) fn cells(&self) -> &Cells {
        &self.cells
    }

    /// What other threads reach.
    pub(crate) fn remote(&self) -> Remote {
        self.remote
    }

    /// The run queue.
    pub(crate) fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// The task (or `block_on` future) being polled.
    pub(crate) fn current(&self) -> Option<Current> {
        self.scheduler.current()
    }

    /// The pool of `spawn_blocking`.
    #[cfg(feature = "blocking")]
    pub(crate) fn blocking(&self) -> &super::blocking::RuntimePool {
        &self.blocking
    }

    /// Sets or clears the waker of the running `block_on` future.
    pub(crate) fn set_main_waker(&self, waker: Option<Waker>) {
        self.main_waker.replace(waker);
    }

    /// Creates a task, spawned from `location`, and queues it. It first
    /// runs at the scheduler's next turn, never inside this call.
    pub(crate) fn spawn<F, N>(&self, future: F, name: N, location: &'static Location<'static>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
        N: TaskName,
    {
        self.spawn_task(Plain(future), name, location)
    }

    /// [`spawn`](Core::spawn) for a task that may end with a failure of its
    /// own (a blocking job refused a thread).
    pub(crate) fn spawn_task<F: TaskFuture, N: TaskName>(
        &self,
        task: F,
        name: N,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output> {
        let task = RawTask::new(task, name, (TaskId::next(), self.id), true, Some(&self.cells));
        self.admit(task, location);
        // The cell was made with a join handle in mind: this is it.
        JoinHandle::new(task)
    }

    /// Counts a new task and queues it.
    fn admit(&self, task: RawTask, location: &'static Location<'static>) {
        self.registry.admit();
        if let Some(observer) = &self.observer {
            observer.spawned(task, location);
        }
        self.scheduler.schedule(task);
    }

    /// Whether any task is unfinished.
    pub(crate) fn has_tasks(&self) -> bool {
        self.registry.unfinished() > 0
    }

    /// How many tasks are unfinished.
    pub(crate) fn unfinished(&self) -> usize {
        self.registry.unfinished()
    }

    /// Runs up to `limit` runnables from the queue, looking at I/O, timers
    /// and the inject queue every `event_interval` of them. `main` polls
    /// the `block_on` future when its turn comes, and says whether it
    /// completed.
    #[inline]
    pub(crate) fn run(&self, limit: usize, mut main: impl FnMut() -> bool) -> Ran {
        // Read once: the tasks' code in between could change it as far as
        // the compiler can tell, and it would reload it every time.
        let event_interval = self.event_interval;
        let mut since_events = 0;
        for _ in 0..limit {
            match self.scheduler.next() {
                Some(Runnable::Task(task)) => self.run_task(task),
                Some(Runnable::Main) => {
                    if main() {
                        return Ran::Main;
                    }
                }
                None => return Ran::Empty,
            }
            since_events += 1;
            if since_events == event_interval {
                self.park(Some(Duration::ZERO));
                since_events = 0;
            }
        }
        Ran::Limit
    }

    /// Runs one task until it returns `Pending`, finishes or is killed.
    #[inline]
    fn run_task(&self, task: RawTask) {
        match task.start() {
            Start::Poll => {}
            Start::Kill => return self.finish_killed(task),
            Start::Done => return self.skip_finished(),
        }
        let waker = task.waker_ref();
        coop::refill();
        self.counters.polled();
        let poll = match &self.observer {
            None => self.as_current(task, || task.poll(&mut Context::from_waker(&waker))),
            Some(observer) => self.poll_observed(observer, task, &waker),
        };
        match task.state().transition_to_idle(poll.is_ready()) {
            EndPoll::Wait => {}
            EndPoll::Register => self.registry.insert(task),
            EndPoll::Complete => self.finish(task, false),
            EndPoll::Kill => self.finish(task, true),
        }
    }

    /// Finishes `task`, killed before this poll. Its destructors run now,
    /// on the loop: the monitor must charge a slow one to this task. Out of
    /// line: a kill is rare, and the hot loop keeps its shape.
    #[cold]
    #[inline(never)]
    fn finish_killed(&self, task: RawTask) {
        if let Some(observer) = &self.observer {
            observer.polling(task.id());
        }
        self.finish(task, true);
    }

    /// The queue entry of a task that finished after it was queued, taken
    /// off the count of such entries. Out of line, as `finish_killed` is.
    #[cold]
    #[inline(never)]
    fn skip_finished(&self) {
        let stale = &self.counters.finished_queued;
        stale.set(stale.get() - 1);
    }

    /// [`run_task`](Core::run_task)'s poll with observers on. Out of
    /// line and cold: any other shape measured slower for runtimes without
    /// observers (`benches/instructions.sh`), which are the ones that
    /// count.
    #[inline(never)]
    fn poll_observed(&self, observer: &Observer, task: RawTask, waker: &Waker) -> std::task::Poll<()> {
        let poll = || self.as_current(task, || task.poll(&mut Context::from_waker(waker)));
        if observer.wraps_polls() {
            observer.poll_wrapped(task, poll)
        } else {
            observer.polling(task.id());
            poll()
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

    /// Ends a task that returned or was `killed`: drops what nobody will
    /// take (its future, or a result with no join handle), takes it off the
    /// books, drops its task-locals and wakes whoever joins it. Destructors
    /// run as the task. Kept out of `run_task`, whose every other call is
    /// on the path of each poll.
    #[inline(never)]
    fn finish(&self, task: RawTask, killed: bool) {
        if task.state().is_scheduled() {
            let stale = &self.counters.finished_queued;
            stale.set(stale.get() + 1);
        }
        let (finishing, drop_stage) = task.finish(killed);
        if drop_stage {
            self.as_current(task, || task.drop_stage());
        }
        self.registry.finished();
        if let Some(observer) = &self.observer {
            observer.terminated(task);
        }
        let retire = finishing.retire();
        if retire.registered {
            self.registry.remove(task);
        }
        if retire.has_locals {
            self.as_current(task, || self.locals.remove(task.id()));
        }
        if let Some(waker) = task.take_join_waker() {
            contain(|| waker.wake());
        }
        drop(finishing);
    }

    /// Takes what other threads sent: wakes and spawns.
    pub(crate) fn take_injected(&self) {
        let mut inject = self.injected.take();
        self.remote.take(&mut inject);
        // First, so that nothing below can lose them.
        for cell in inject.freed.drain(..) {
            // SAFETY: the runtime's inject queue holds only its own cells.
            unsafe { self.cells.put_freed(cell) };
        }
        for key in inject.dropped_sources.drain(..) {
            // Dropped here, with no borrow of the reactor held.
            drop(self.reactor.release(key));
        }
        self.counters
            .add_remote_wakes(inject.wakes.len() + usize::from(inject.main));
        // Spawns first: a wake in the same batch may be for one of them (a
        // `RemoteJoinHandle::kill` right after the spawn), and a task must
        // be admitted before it is scheduled.
        for (task, location) in inject.spawns.drain(..) {
            self.admit(task, location);
        }
        for task in inject.wakes.drain(..) {
            // Before it can run: a wake from now on queues it again.
            task.unqueue_remote();
            self.scheduler.schedule(task);
            task.ref_dec();
        }
        if std::mem::take(&mut inject.main) {
            self.scheduler.schedule_main(Turn::Back);
        }
        self.injected.replace(inject);
    }

    /// Going idle: lets go of the memory of the last burst of tasks (their
    /// cells and the run queue's room), and of messages from other threads.
    pub(crate) fn shrink(&self) {
        self.cells.shrink();
        self.scheduler.shrink();
        self.injected.borrow_mut().shrink();
        self.remote.shrink();
    }

    /// Whether anything can run without waiting: a queued task, or one set
    /// aside until the next look at I/O and timers.
    pub(crate) fn has_ready(&self) -> bool {
        self.scheduler.ready() > 0 || self.scheduler.has_set_aside()
    }

    /// Waits for I/O, timers or the inject queue, for at most `max_wait`
    /// (`None`: until something happens), but not at all if anything is
    /// ready to run; then wakes whatever became ready.
    pub(crate) fn park(&self, max_wait: Option<Duration>) {
        self.parker.park(self, max_wait);
    }

    /// Schedules whoever `waker` wakes (to run next, with `next`), if it is
    /// a task of this runtime or its `block_on` future. Returns `false` for
    /// other wakers.
    #[inline]
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
            None => self.wake_main_here(waker, if next { Turn::Next } else { Turn::Back }),
        }
    }

    /// Whether `waker` belongs to a task of this runtime that has finished.
    /// Its state is only read for a task of this runtime, which lives on
    /// this thread.
    pub(crate) fn finished_here(&self, waker: &Waker) -> bool {
        waker::task_of(waker).is_some_and(|task| self.is(task.header().runtime) && task.state().is_finished())
    }

    /// For a runnable that just handed off: has it run again right after its
    /// partner (see `scheduler.rs`). Returns `false`, doing nothing, if
    /// `waker` is not one of this runtime's tasks or its `block_on` future.
    pub(crate) fn switch_back_here(&self, waker: &Waker) -> bool {
        match waker::task_of(waker) {
            Some(task) if self.is(task.header().runtime) => {
                self.scheduler.schedule_back(task);
                true
            }
            Some(_) => false,
            None => self.wake_main_here(waker, Turn::SwitchBack),
        }
    }

    /// As [`wake_here`](Core::wake_here), but sets the runnable aside until
    /// the next look at I/O and timers: it spent its budget.
    ///
    /// With no socket registered, no timer armed and nothing sent from
    /// another thread, there is nothing to look at: the runnable goes
    /// straight to the back of the queue, sparing the loop a wait.
    #[cold]
    pub(crate) fn set_aside_here(&self, waker: &Waker) -> bool {
        let nothing_to_see = self.reactor.len() == 0 && self.timers.borrow().len() == 0 && !self.remote.is_notified();
        let turn = if nothing_to_see { Turn::Back } else { Turn::AfterEvents };
        match waker::task_of(waker) {
            Some(task) if self.is(task.header().runtime) => {
                match turn {
                    Turn::AfterEvents => self.scheduler.schedule_after_events(task),
                    _ => self.scheduler.schedule(task),
                }
                true
            }
            Some(_) => false,
            None => self.wake_main_here(waker, turn),
        }
    }

    /// The rarer half of [`wake_here`](Core::wake_here): `waker` is not a
    /// task waker, but it may be the `block_on` future's.
    #[inline(never)]
    fn wake_main_here(&self, waker: &Waker, turn: Turn) -> bool {
        // By the data pointer alone: it is the main waker's `Arc`, which the
        // core keeps alive, so no other waker can share it. `will_wake` also
        // compares vtable addresses, which the language does not promise to
        // be unique (Miri gives each use its own), so a clone could fail it.
        let is_main = self
            .main_waker
            .borrow()
            .as_ref()
            .is_some_and(|main| main.data() == waker.data());
        if is_main {
            self.scheduler.schedule_main(turn);
        }
        is_main
    }

    /// The runtime's counts, as of now.
    pub(crate) fn metrics(&self) -> RuntimeMetrics {
        let alive = self.registry.unfinished();
        // Saturating: shutdown drains the queues before it skips their
        // entries, and a destructor it runs may ask meanwhile.
        let ready = self
            .scheduler
            .ready_tasks()
            .saturating_sub(self.counters.finished_queued.get());
        let running = self.current().is_some_and(|c| c.task.is_some());
        let spawned = self.registry.spawned();
        RuntimeMetrics {
            tasks_alive: alive,
            tasks_ready: ready,
            tasks_waiting: alive.saturating_sub(ready + usize::from(running)),
            spawned,
            finished: spawned - alive as u64,
            polls: self.counters.polls.get(),
            io_sources: self.reactor.len(),
            timers_armed: self.timers.borrow().len(),
            remote_wakes: self.counters.remote_wakes.get(),
            busy_time: self.counters.busy(),
            parked_time: self.counters.parked.get(),
            longest_poll: self.observer.as_ref().and_then(|o| o.longest_poll()),
            #[cfg(feature = "blocking")]
            blocking: self.blocking.metrics(),
        }
    }

    /// Every live task: those that have waited (the registry), those queued
    /// and never run yet (the scheduler), and the one running.
    pub(crate) fn tasks(&self) -> TaskDump {
        let now = Instant::now();
        let mut seen = std::collections::HashSet::new();
        let mut tasks = Vec::new();
        let registered = self.registry.snapshot();
        let queued = self.scheduler.queued_tasks();
        let running = self.current().and_then(|current| current.task);
        for task in registered.into_iter().chain(queued).chain(running) {
            if task.state().is_finished() || !seen.insert(task.id()) {
                continue;
            }
            let state = match task.state().activity() {
                Activity::Running => TaskState::Running,
                Activity::Scheduled => TaskState::Ready,
                Activity::Idle => TaskState::Waiting,
            };
            let origin = self.observer.as_ref().and_then(|o| o.origin(task.id(), now));
            tasks.push(TaskInfo {
                id: task.id(),
                name: task.name().map(str::to_owned),
                state,
                age: origin.map(|(age, _)| age),
                spawned_at: origin.map(|(_, location)| location),
            });
        }
        TaskDump::new(tasks)
    }

    /// Drops every task that is still alive, and everything queued. Other
    /// threads can no longer reach the runtime once this starts. Every
    /// unfinished task is either registered (it has waited) or queued (it
    /// has not run yet, or was woken); task destructors may spawn or wake
    /// others, so it goes on until both are empty.
    pub(crate) fn shutdown(&self) {
        let inject = self.remote.close();
        for cell in inject.freed {
            // SAFETY: as in `take_injected`.
            unsafe { self.cells.put_freed(cell) };
        }
        inject.wakes.into_iter().for_each(RawTask::ref_dec);
        inject
            .spawns
            .into_iter()
            .for_each(|(task, location)| self.admit(task, location));
        loop {
            let registered = self.registry.snapshot();
            let queued = self.scheduler.drain();
            if registered.is_empty() && queued.is_empty() {
                break;
            }
            for task in registered {
                // A destructor of an earlier task may have killed this one.
                if !task.state().is_finished() {
                    self.finish(task, true);
                }
            }
            for runnable in queued {
                if let Runnable::Task(task) = runnable {
                    if task.dequeue() {
                        self.finish(task, true);
                    } else {
                        self.skip_finished();
                    }
                }
            }
        }
        debug_assert_eq!(
            self.counters.finished_queued.get(),
            0,
            "a finished task's entry went uncounted"
        );
    }
}

/// The span of a call that drives the loop; see [`Core::driving`].
pub(crate) struct Driving<'a> {
    core: &'a Core,
    _driven: Driven<'a>,
}

impl Drop for Driving<'_> {
    fn drop(&mut self) {
        // Not driven is not blocked: the monitor must not blame the last
        // poll for what the thread does next, outside the runtime.
        if let Some(observer) = &self.core.observer {
            observer.parking();
        }
        self.core.publish_metrics();
    }
}
