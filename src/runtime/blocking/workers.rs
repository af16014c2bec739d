//! What a thread pool shares with its threads: the pending jobs, the thread
//! counts, and the tasks waiting for room in the queue or for the pool to
//! drain.
//!
//! One mutex guards it all. A job goes to an idle thread through the
//! condition variable; when none is idle and the pool is below its maximum,
//! the submitter starts a thread. An idle thread that waits longer than the
//! idle timeout exits, and so does one above the maximum after a
//! [`resize`](Workers::resize) down.

use std::collections::VecDeque;
use std::io;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use super::SpawnError;
use super::job::Job;
use crate::runtime::wait::{Line, Lock, WaitList, Waiter, wake_all};

/// How long a thread that finished a job watches for the next one before
/// it sleeps.
pub(crate) const SPIN: Duration = Duration::from_micros(50);

/// Set once by [`Workers::terminate`]; jobs still running then drop their
/// results.
#[derive(Debug, Default)]
pub(crate) struct Terminated(AtomicBool);

impl Terminated {
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// A pool's settings, as it is built (`max_threads` can change later).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) max_threads: usize,
    pub(crate) queue_limit: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) name: String,
    pub(crate) stack_size: Option<usize>,
}

impl Config {
    /// At most `max_threads` threads and `queue_limit` queued jobs; idle
    /// threads exit after 10 s.
    pub(crate) fn new(max_threads: usize, queue_limit: usize) -> Config {
        Config {
            max_threads,
            queue_limit,
            idle_timeout: Duration::from_secs(10),
            name: "grove-blocking".to_owned(),
            stack_size: None,
        }
    }
}

pub(crate) struct Workers {
    state: Mutex<State>,
    /// The queue's length, readable without the lock by spinning threads.
    queued: AtomicUsize,
    /// Jobs queued or running, readable without the lock by the runtime.
    /// A job's result, and the wake of its task, come before the count
    /// drops: stored with `Release`, loaded with `Acquire`, a count read as
    /// zero shows that wake too.
    unfinished: AtomicUsize,
    /// Idle threads wait here for a job, or for the pool to close.
    work: Condvar,
    terminated: Terminated,
    pub(crate) config: Config,
}

pub(crate) struct State {
    /// Jobs not yet started, with their sequence numbers (increasing, so
    /// that a cancelled job is found by binary search).
    queue: VecDeque<(u64, Job)>,
    next_seq: u64,
    /// The most threads alive at once, but for those above it after a
    /// resize down, which exit as soon as they are between jobs.
    max_threads: usize,
    /// Threads alive, counting those being started.
    threads: usize,
    /// Threads that have started running jobs.
    started: usize,
    /// Threads waiting on `work`.
    idle: usize,
    /// Threads that just finished a job and watch `queued` for a moment
    /// before they wait on `work`.
    spinning: usize,
    /// Wake-ups sent to idle threads and not yet taken.
    notified: usize,
    /// Threads running a job.
    busy: usize,
    /// Jobs run to their end.
    completed: u64,
    closed: bool,
    /// Threads to join; those that already exited are reaped now and then.
    handles: Vec<(ThreadId, JoinHandle<()>)>,
    /// Tasks waiting for room in the queue.
    room: WaitList<()>,
    /// Tasks waiting for the pool to have no work queued or running.
    drained: WaitList<()>,
}

/// Where a job went.
pub(crate) enum Submit {
    /// Queued, under this sequence number.
    Queued(u64),
    /// The queue is full; the job is given back.
    Full(Job),
}

impl Workers {
    pub(crate) fn new(config: Config) -> Workers {
        Workers {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                next_seq: 0,
                max_threads: config.max_threads,
                threads: 0,
                started: 0,
                idle: 0,
                spinning: 0,
                notified: 0,
                busy: 0,
                completed: 0,
                closed: false,
                handles: Vec::new(),
                room: WaitList::default(),
                drained: WaitList::default(),
            }),
            queued: AtomicUsize::new(0),
            unfinished: AtomicUsize::new(0),
            work: Condvar::new(),
            terminated: Terminated::default(),
            config,
        }
    }

    /// Jobs run outside the lock and every panic they raise is caught, so
    /// a poisoned lock only means a panic in this file's own bookkeeping,
    /// after which the state is still consistent enough to shut down.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` if there is room, waking an idle thread or starting a
    /// new one for it.
    ///
    /// # Errors
    /// If the pool is closed, or if it has no thread and the OS refuses to
    /// start one.
    pub(crate) fn submit(self: &Arc<Self>, job: Job) -> Result<Submit, SpawnError> {
        let mut state = self.state();
        if state.closed {
            return Err(SpawnError::Closed);
        }
        if state.queue.len() >= self.config.queue_limit {
            return Ok(Submit::Full(job));
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        state.queue.push_back((seq, job));
        self.publish(&state);
        if state.queue.len() <= state.spinning {
            // A spinning thread takes it, with no system call on either side.
        } else if state.idle > state.notified {
            // With a wake-up already on its way, the thread it wakes passes
            // one on for this job (see `pass_on_wake`), so a caller handing
            // over a burst pays for one system call, not one per job.
            if state.notified == 0 {
                state.notified += 1;
                drop(state);
                self.work.notify_one();
            }
        } else if state.threads < state.max_threads {
            state.threads += 1;
            reap(&mut state.handles);
            drop(state);
            if let Err(error) = self.start_thread() {
                return self.thread_refused(seq, error);
            }
        }
        Ok(Submit::Queued(seq))
    }

    /// Changes the most threads alive at once. Growing starts threads for
    /// jobs already queued; shrinking lets the threads above the new
    /// maximum finish their jobs, then exit.
    ///
    /// # Errors
    /// The OS's refusal of a thread started for a queued job; the pool
    /// keeps the threads it has, and the job waits for one of them.
    pub(crate) fn resize(self: &Arc<Self>, max_threads: usize) -> io::Result<()> {
        let mut state = self.state();
        state.max_threads = max_threads;
        let ready = state.idle.saturating_sub(state.notified) + state.spinning;
        let waiting = state.queue.len().saturating_sub(ready);
        let start = waiting.min(max_threads.saturating_sub(state.threads));
        state.threads += start;
        drop(state);
        // Idle threads above the maximum wake to exit.
        self.work.notify_all();
        for started in 0..start {
            if let Err(error) = self.start_thread() {
                self.state().threads -= start - started;
                return Err(error);
            }
        }
        Ok(())
    }

    /// The most threads alive at once, as last set.
    pub(crate) fn max_threads(&self) -> usize {
        self.state().max_threads
    }

    fn start_thread(self: &Arc<Self>) -> io::Result<()> {
        let mut builder = thread::Builder::new().name(self.config.name.clone());
        if let Some(size) = self.config.stack_size {
            builder = builder.stack_size(size);
        }
        let shared = self.clone();
        let handle = builder.spawn(move || shared.work())?;
        let mut state = self.state();
        state.handles.push((handle.thread().id(), handle));
        Ok(())
    }

    /// The OS would not start a thread. With a thread running, the job
    /// waits for it; with none, it could wait forever, so it is taken back
    /// and the caller gets the error. If no thread is left even starting,
    /// the jobs others queued meanwhile are dropped too: their tasks fail
    /// rather than wait forever.
    fn thread_refused(&self, seq: u64, error: io::Error) -> Result<Submit, SpawnError> {
        let mut state = self.state();
        state.threads -= 1;
        if state.started > 0 {
            return Ok(Submit::Queued(seq));
        }
        let job = take(&mut state.queue, seq);
        let orphans: Vec<_> = if state.threads == 0 {
            state.queue.drain(..).collect()
        } else {
            Vec::new()
        };
        self.publish(&state);
        // The queue has room again: spawners waiting for it (on other
        // threads) retry, and meet the refusal themselves if it lasts.
        let mut wakers = state.drained_wakers();
        wakers.extend(state.room.notify_all());
        drop(state);
        // Woken before the jobs go: a closure's drop may panic.
        wake_all(wakers);
        drop((job, orphans));
        Err(SpawnError::Thread(error))
    }

    /// Takes back job `seq` if no thread has started it. Returns whether it
    /// was still queued.
    pub(crate) fn cancel(&self, seq: u64) -> bool {
        let mut state = self.state();
        let Some(job) = take(&mut state.queue, seq) else {
            return false;
        };
        self.publish(&state);
        let waker = state.made_room();
        let drained = state.drained_wakers();
        drop(state);
        // Woken before the job goes: its closure's drop may panic.
        wake_all(drained.into_iter().chain(waker));
        drop(job);
        true
    }

    pub(crate) fn close(&self) {
        let mut state = self.state();
        state.closed = true;
        let wakers = state.room.notify_all();
        drop(state);
        self.work.notify_all();
        wake_all(wakers);
    }

    /// Closes the pool and drops every queued job, whose tasks end killed.
    /// Jobs running now finish, and drop their results.
    pub(crate) fn terminate(&self) {
        self.terminated.0.store(true, Ordering::Release);
        let mut state = self.state();
        state.closed = true;
        let jobs: Vec<_> = state.queue.drain(..).collect();
        self.publish(&state);
        let mut wakers = state.room.notify_all();
        wakers.extend(state.drained_wakers());
        drop(state);
        self.work.notify_all();
        wake_all(wakers);
        // Dropping a job drops its result channel, which wakes its task.
        // Last, as a closure's drop may panic.
        drop(jobs);
    }

    /// Whether [`terminate`](Workers::terminate) was called.
    pub(crate) fn is_terminated(&self) -> bool {
        self.terminated.is_set()
    }

    /// Closes the pool and waits for every thread to exit.
    pub(crate) fn shut_down(&self) {
        self.close();
        let handles = std::mem::take(&mut self.state().handles);
        let me = thread::current().id();
        for (id, handle) in handles {
            // A pool dropped by one of its own jobs cannot join that thread.
            if id != me {
                // The thread body catches job panics, so join cannot fail
                // with a payload worth reporting.
                let _ = handle.join();
            }
        }
    }

    pub(crate) fn metrics(&self) -> PoolMetrics {
        let state = self.state();
        PoolMetrics {
            max_threads: state.max_threads,
            threads: state.threads,
            busy: state.busy,
            queued: state.queue.len(),
            completed: state.completed,
        }
    }

    fn publish(&self, state: &State) {
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        self.unfinished.store(state.queue.len() + state.busy, Ordering::Release);
    }

    /// Whether any job is queued or running.
    pub(crate) fn has_unfinished(&self) -> bool {
        self.unfinished.load(Ordering::Acquire) > 0
    }

    /// Wakes one more idle thread if jobs are left that no thread is on
    /// its way to. Called by a thread that just took a job: wake-ups go
    /// out one at a time, each woken thread passing one on, so that the
    /// submitting thread pays for one wake-up per burst of jobs.
    fn pass_on_wake(&self, state: &mut State) {
        if state.queue.len() > state.spinning && state.idle > state.notified && state.notified == 0 {
            state.notified += 1;
            self.work.notify_one();
        }
    }

    /// A pool thread's life: run jobs until closed, or until idle too long.
    ///
    /// After a job, a thread watches the queue for [`SPIN`] before it
    /// sleeps, unless another is already watching. A caller that hands over one job at a time sends the next
    /// one within microseconds, and finding it this way saves the two
    /// system calls of a condition-variable wake-up on the round trip.
    fn work(&self) {
        let mut state = self.state();
        state.started += 1;
        let mut spun = true;
        loop {
            if state.threads > state.max_threads {
                // Above the maximum after a resize down. The wake-up this
                // thread may have taken goes to another, for a queued job.
                if !state.queue.is_empty() && state.idle > state.notified {
                    state.notified += 1;
                    self.work.notify_one();
                }
                break;
            }
            if let Some((_, job)) = state.queue.pop_front() {
                spun = false;
                state.busy += 1;
                self.publish(&state);
                self.pass_on_wake(&mut state);
                let waker = state.made_room();
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
                // The job catches its own panic; one here comes from dropping
                // a result nobody waits for, and the hook has printed it.
                let _ = catch_unwind(AssertUnwindSafe(|| job.run(&self.terminated)));
                state = self.state();
                state.busy -= 1;
                state.completed += 1;
                self.publish(&state);
                let wakers = state.drained_wakers();
                if !wakers.is_empty() {
                    drop(state);
                    wake_all(wakers);
                    state = self.state();
                }
                continue;
            }
            if state.closed {
                break;
            }
            // One spinner is enough to catch the next job of a caller that
            // hands them over one at a time; more would only take the CPU
            // from the threads producing jobs and running them.
            if !spun && state.spinning == 0 {
                spun = true;
                state.spinning += 1;
                drop(state);
                let deadline = Instant::now() + SPIN;
                while self.queued.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
                    std::hint::spin_loop();
                }
                state = self.state();
                state.spinning -= 1;
                continue;
            }
            state.idle += 1;
            let (next, timeout) = self
                .work
                .wait_timeout(state, self.config.idle_timeout)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
            } else if timeout.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
        state.started -= 1;
    }
}

impl Lock<State> for Workers {
    fn lock(&self) -> impl DerefMut<Target = State> + '_ {
        self.state()
    }
}

/// Spawners waiting for room in a full queue. One dropped after it was
/// told of room passes the news to the next.
pub(crate) struct Room;

impl Line for Room {
    type State = State;
    type Value = ();
    const PASS_ON: bool = true;

    fn list(state: &mut State) -> &mut WaitList<()> {
        &mut state.room
    }
}

/// Tasks waiting for the pool to drain, woken all at once.
pub(crate) struct Drained;

impl Line for Drained {
    type State = State;
    type Value = ();
    const PASS_ON: bool = false;

    fn list(state: &mut State) -> &mut WaitList<()> {
        &mut state.drained
    }
}

/// Waits for room in the queue: `Ready(Ok)` when a job may be submitted
/// (it can still find the queue full, and wait again).
///
/// # Errors
/// [`SpawnError::Closed`] once the pool is closed.
pub(crate) fn poll_room<P>(waiter: &mut Waiter<P, Room>, cx: &mut Context<'_>) -> Poll<Result<(), SpawnError>>
where
    P: Deref<Target = Workers>,
{
    let limit = waiter.owner().config.queue_limit;
    let (mut state, place) = waiter.lock();
    if state.closed {
        place.leave(&mut state.room);
        return Poll::Ready(Err(SpawnError::Closed));
    }
    if place.is_waiting() {
        return place.poll(&mut state.room, cx).map(|_| Ok(()));
    }
    if state.queue.len() < limit {
        return Poll::Ready(Ok(()));
    }
    place.push(&mut state.room, cx.waker(), None);
    Poll::Pending
}

/// Waits until no job is queued or running.
pub(crate) fn poll_drained<P>(waiter: &mut Waiter<P, Drained>, cx: &mut Context<'_>) -> Poll<()>
where
    P: Deref<Target = Workers>,
{
    let (mut state, place) = waiter.lock();
    if state.is_drained() {
        place.leave(&mut state.drained);
        return Poll::Ready(());
    }
    place.poll_or_push(&mut state.drained, cx).map(drop)
}

impl State {
    fn is_drained(&self) -> bool {
        self.queue.is_empty() && self.busy == 0
    }

    /// The tasks waiting for the pool to drain, if it just did.
    fn drained_wakers(&mut self) -> Vec<Waker> {
        if self.is_drained() {
            self.drained.notify_all()
        } else {
            Vec::new()
        }
    }

    /// The queue has room for one more job: the first task waiting for room
    /// is woken.
    fn made_room(&mut self) -> Option<Waker> {
        self.room.notify_one(None).ok().flatten()
    }
}

/// Removes job `seq` from the queue, if it is still there.
fn take(queue: &mut VecDeque<(u64, Job)>, seq: u64) -> Option<Job> {
    let index = queue.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
    queue.remove(index).map(|(_, job)| job)
}

/// Joins the threads that have already exited.
fn reap(handles: &mut Vec<(ThreadId, JoinHandle<()>)>) {
    let mut i = 0;
    while i < handles.len() {
        if handles[i].1.is_finished() {
            let (_, handle) = handles.swap_remove(i);
            let _ = handle.join();
        } else {
            i += 1;
        }
    }
}

/// A snapshot of a thread pool's load: [`ThreadPool::metrics`], and the
/// runtime's own pool in [`RuntimeMetrics`](crate::runtime::RuntimeMetrics).
///
/// [`ThreadPool::metrics`]: crate::blocking::ThreadPool::metrics
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let pool = grove::blocking::ThreadPool::new(2);
///     pool.map(0..5, |n| n + 1).await.unwrap();
///     pool.join().await;
///     let metrics: grove::blocking::PoolMetrics = pool.metrics();
///     assert_eq!((metrics.completed, metrics.queued, metrics.max_threads), (5, 0, 2));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolMetrics {
    /// The most threads alive at once.
    pub max_threads: usize,
    /// Threads alive, idle or busy.
    pub threads: usize,
    /// Threads running a job.
    pub busy: usize,
    /// Jobs waiting for a thread.
    pub queued: usize,
    /// Jobs that have run to their end (returned or panicked). A job
    /// counts once its thread is done with it, which may be just after its
    /// task has the result; [`ThreadPool::join`](crate::blocking::ThreadPool::join)
    /// waits for that.
    pub completed: u64,
}
