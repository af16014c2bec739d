//! Task cells: one block of memory per task, holding a header, the task's
//! name (only for named tasks), and its future, which the output later
//! replaces.
//!
//! # Ownership
//!
//! A cell is shared between the runtime side (the scheduler's queue, the
//! registry of waiting tasks, the `JoinHandle`, the runtime's work on a
//! finishing task) and any number of wakers. The runtime side
//! holds a single reference between all of them, kept while
//! [`State::is_unused`] says some of them needs the cell; each waker, and
//! the handle of a task spawned from another thread, holds one more. Only
//! this module tree decides to let the runtime side's reference go.
//! The count is atomic: wakers may be cloned and dropped on any thread. So is
//! a remote task's result slot, which has its own lock. Everything else is
//! touched only on the runtime's thread.
//!
//! The future and the output are always dropped on the runtime's thread
//! before the runtime side lets go of its reference (but for a remote task
//! whose runtime was gone at its spawn: its `Send` future is dropped on the
//! spawning thread), so a waker that drops the last reference on another
//! thread only frees memory and drops the name. That is what makes it sound
//! for the future and output to be `!Send` while wakers are `Send + Sync`.
//! A name is always `Send` ([`TaskName`] requires it): a `Box<str>`, or the
//! result slot of a task spawned from another thread, whose handle holds a
//! reference as a waker does. That slot is emptied before its cell can be
//! freed (see `remote.rs`), so no user destructor runs there.

use std::alloc::Layout;
use std::cell::{Cell, UnsafeCell};
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Waker};

use super::cells::{self, Cells};
use super::outcome::{Failure, Panic, TaskFuture};
use super::refs::Refs;
use super::state::{Retire, Start, State};
use super::waker::{self, SlimWaker};
use super::{JoinError, TaskId};
use crate::runtime::RuntimeId;
use crate::runtime::context;

/// The part of a cell that does not depend on the future's type.
#[repr(C)]
pub(crate) struct Header {
    /// References: one for the runtime side while `State::is_unused` is
    /// false, plus one per waker; and the bit that merges remote wakes.
    refs: Refs,
    /// Lifecycle bits, changed only by the transitions of `state.rs`;
    /// runtime thread only.
    state: State,
    /// Type-specific operations on the rest of the cell.
    vtable: &'static Vtable,
    /// The runtime that owns the task. Immutable, so any thread may read it:
    /// a waker used off the runtime's thread routes the wake through it.
    pub(crate) runtime: RuntimeId,
    /// The task's index in the runtime's registry of waiting tasks.
    slot: Cell<u32>,
    /// The task's id. Immutable.
    pub(crate) id: TaskId,
    /// The waker of whoever awaits the `JoinHandle`, in one word.
    join_waker: Cell<Option<SlimWaker>>,
}

// The design chapter (`src/guide/design.rs`) quotes this size; a field added
// here shows up in every task's memory.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Header>() == 40);
// `SlimWaker` tags a cell pointer in its low two bits.
const _: () = assert!(std::mem::align_of::<Header>() >= 4);

/// The operations that need the concrete future type.
struct Vtable {
    /// Polls the future; on `Ready` the output has replaced it.
    poll: unsafe fn(RawTask, &mut Context<'_>) -> Poll<()>,
    /// Drops the future or the output in place, leaving the stage empty.
    drop_stage: unsafe fn(RawTask),
    /// Moves the output into `*mut Option<Result<T, Failure>>`.
    take_output: unsafe fn(RawTask, *mut ()),
    /// The task's name, if it was given one.
    name: unsafe fn(RawTask) -> Option<NonNull<str>>,
    /// Frees the allocation.
    dealloc: unsafe fn(RawTask),
}

/// What a task holds: the future while it runs, then its result, then
/// nothing. The state says which field is live, so the stage needs no tag
/// of its own; a failure is kept as it is (the `JoinError` is made when it
/// is taken). Both keep cells small.
union Stage<F: TaskFuture> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Result<F::Output, Failure>>,
}

/// The whole allocation. `repr(C)` keeps the header first, so a pointer to
/// the cell is a pointer to its header.
#[repr(C)]
struct TaskCell<F: TaskFuture, N> {
    header: Header,
    name: N,
    stage: UnsafeCell<Stage<F>>,
}

/// The optional name stored in a cell: `()` for unnamed tasks costs nothing.
/// `Send`, since the cell's last reference, and so the name's drop, may be
/// on any thread.
pub(crate) trait TaskName: Send + 'static {
    /// The name as a string, if there is one.
    fn as_str(&self) -> Option<&str>;
}

impl TaskName for () {
    fn as_str(&self) -> Option<&str> {
        None
    }
}

impl TaskName for Box<str> {
    fn as_str(&self) -> Option<&str> {
        Some(self)
    }
}

/// A pointer to a live task cell.
///
/// Invariant: whoever holds a `RawTask` holds a reference to the cell (the
/// runtime side's shared one, or a waker's own), so the memory is valid. The
/// methods that touch anything but the header's immutable fields and the
/// reference count are only called on the runtime's thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawTask(NonNull<Header>);

impl RawTask {
    /// Allocates a cell for `future`, with a join handle if `handle`. The
    /// runtime side holds the only reference, kept by the handle or by the
    /// caller queueing the task. The memory comes from `cells` when given
    /// (the runtime's own thread) and from the global allocator otherwise.
    pub(crate) fn new<F, N>(
        future: F,
        name: N,
        ids: (TaskId, RuntimeId),
        handle: bool,
        cells: Option<&Cells>,
    ) -> RawTask
    where
        F: TaskFuture,
        N: TaskName,
    {
        RawTask::new_with(name, |_| future, ids, handle, cells).0
    }

    /// As [`new`](RawTask::new), for a future that points into its own
    /// cell: `make` gets where `name` will live, and builds the future.
    /// Returns that pointer too. The name is dropped only when the cell is
    /// freed, after the future, so the pointer is valid for as long as the
    /// future lives, and for as long as any reference to the cell. Should
    /// `make` panic, the memory leaks (nothing unsound); the one caller's
    /// `make` only builds a struct.
    pub(crate) fn new_with<F, N>(
        name: N,
        make: impl FnOnce(NonNull<N>) -> F,
        ids: (TaskId, RuntimeId),
        handle: bool,
        cells: Option<&Cells>,
    ) -> (RawTask, NonNull<N>)
    where
        F: TaskFuture,
        N: TaskName,
    {
        let layout = Layout::new::<TaskCell<F, N>>();
        let memory = match cells {
            Some(cells) => cells.take(layout),
            None => cells::allocate(layout),
        };
        let cell = memory.cast::<TaskCell<F, N>>();
        // SAFETY: a field's address within the allocation, computed without
        // reading or referencing the memory, which is not yet written.
        let name_at = unsafe { NonNull::new_unchecked(ptr::addr_of_mut!((*cell.as_ptr()).name)) };
        let future = make(name_at);
        let (id, runtime) = ids;
        let value = TaskCell {
            header: Header {
                refs: Refs::new(),
                state: State::new(handle, cells.is_some()),
                vtable: vtable::<F, N>(),
                runtime,
                slot: Cell::new(0),
                id,
                join_waker: Cell::new(None),
            },
            name,
            stage: UnsafeCell::new(Stage {
                future: ManuallyDrop::new(future),
            }),
        };
        // SAFETY: `memory` is fresh (or recycled and unused) memory with at
        // least the size and alignment of the cell.
        unsafe { cell.as_ptr().write(value) };
        (RawTask(cell.cast()), name_at)
    }

    /// The pointer a waker carries.
    pub(crate) fn as_ptr(self) -> *const () {
        self.0.as_ptr() as *const ()
    }

    /// Rebuilds a task from a waker's data pointer.
    ///
    /// # Safety
    /// `ptr` must come from [`RawTask::as_ptr`] of a cell that is still
    /// referenced.
    pub(crate) unsafe fn from_ptr(ptr: *const ()) -> RawTask {
        // SAFETY: the caller passes a pointer from `as_ptr`, which is non-null.
        RawTask(unsafe { NonNull::new_unchecked(ptr as *mut Header) })
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: by the type's invariant the cell is referenced, so alive.
        unsafe { self.0.as_ref() }
    }

    /// The task's lifecycle, for the transitions that need no more than
    /// its bits. Those that may free the cell are methods of `RawTask`.
    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    pub(crate) fn id(self) -> TaskId {
        self.header().id
    }

    /// Polls the future. `Ready` means the future is gone and the stage
    /// holds the result (the future's value, or the panic it raised), with
    /// `OUTPUT` set.
    #[inline]
    pub(crate) fn poll(self, cx: &mut Context<'_>) -> Poll<()> {
        assert!(self.state().has_future(), "a task was polled without its future");
        // SAFETY: runtime thread; `FUTURE` says the stage holds the future.
        unsafe { (self.header().vtable.poll)(self, cx) }
    }

    /// Drops the future, or the untaken output, in place. Destructors run
    /// now, and a panic in one is caught: the runtime must survive it.
    pub(crate) fn drop_stage(self) {
        // SAFETY: runtime thread; the vtable checks the bits itself.
        unsafe { (self.header().vtable.drop_stage)(self) }
    }

    /// Takes the result out of a finished task.
    ///
    /// # Safety
    /// `T` must be the output type of the task's future.
    ///
    /// # Panics
    /// If the stage holds no result (`OUTPUT` clear).
    pub(crate) unsafe fn take_output<T>(self) -> Result<T, JoinError> {
        let mut out: Option<Result<T, Failure>> = None;
        // SAFETY: the caller guarantees `T` matches, so the vtable writes a
        // value of exactly this type.
        unsafe { (self.header().vtable.take_output)(self, &mut out as *mut _ as *mut ()) };
        out.expect("task output taken twice")
            .map_err(|failure| JoinError::new(self.id(), failure))
    }

    pub(crate) fn slot(self) -> u32 {
        self.header().slot.get()
    }

    pub(crate) fn set_slot(self, slot: u32) {
        self.header().slot.set(slot);
    }

    /// The task's name, borrowed from the cell.
    pub(crate) fn name(&self) -> Option<&str> {
        // SAFETY: the name lives as long as the cell, and `&self` keeps a
        // reference to the cell for the borrow's duration.
        unsafe { (self.header().vtable.name)(*self).map(|p| &*p.as_ptr()) }
    }

    pub(crate) fn set_join_waker(self, waker: &Waker) {
        let slot = &self.header().join_waker;
        match slot.take() {
            Some(old) if old.will_wake(waker) => slot.set(Some(old)),
            _ => slot.set(Some(SlimWaker::new(waker))),
        }
    }

    pub(crate) fn take_join_waker(self) -> Option<Waker> {
        self.header().join_waker.take().map(SlimWaker::into_waker)
    }

    /// A waker for this task that borrows the runtime side's reference
    /// instead of taking its own: polling needs no atomic operation.
    pub(crate) fn waker_ref(self) -> ManuallyDrop<Waker> {
        // SAFETY: the raw waker follows the contract of `waker::VTABLE`, and
        // `ManuallyDrop` stops it from releasing a reference it never took.
        ManuallyDrop::new(unsafe { Waker::from_raw(waker::raw(self)) })
    }

    /// Takes one more reference, for a new waker.
    pub(crate) fn ref_inc(self) {
        self.header().refs.inc();
    }

    /// Gives one reference back, freeing the cell with the last one.
    pub(crate) fn ref_dec(self) {
        if self.header().refs.dec() {
            // SAFETY: that was the last reference, and the future and output
            // were dropped on the runtime's thread before the runtime side
            // gave its reference up, so only memory is freed here.
            unsafe { (self.header().vtable.dealloc)(self) }
        }
    }

    /// For a wake from another thread: whether the task must be pushed to
    /// its runtime's inject queue, with the reference just taken for it, or
    /// is queued there already (see `refs.rs`).
    pub(crate) fn queue_remote(self) -> bool {
        self.header().refs.queue_remote()
    }

    /// The runtime took the task in from its inject queue.
    pub(crate) fn unqueue_remote(self) {
        self.header().refs.unqueue_remote();
    }

    /// The run loop took the task from the queue: what to do with it. A
    /// task that finished while queued is let go here.
    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    pub(crate) fn start(self) -> Start {
        let start = self.state().transition_to_running();
        if start == Start::Done {
            self.release_if_unused();
        }
        start
    }

    /// Shutdown took the task from the queue: whether it is unfinished, and
    /// must be killed. A finished one is let go here.
    pub(crate) fn dequeue(self) -> bool {
        let unfinished = self.state().transition_to_dequeued();
        if !unfinished {
            self.release_if_unused();
        }
        unfinished
    }

    /// The task ends, `killed` or not (see `State::transition_to_finished`):
    /// returns the guard of the runtime's work on it, which keeps the cell
    /// until it drops, and whether the stage must be dropped now.
    pub(crate) fn finish(self, killed: bool) -> (Finishing, bool) {
        let drop_stage = self.state().transition_to_finished(killed);
        (Finishing(self), drop_stage)
    }

    /// The runtime is done finishing the task.
    pub(super) fn retired(self) {
        self.state().transition_to_retired();
        self.release_if_unused();
    }

    /// Gives the runtime side's reference back once nothing on that side
    /// needs the cell any more. Every transition that can leave the cell
    /// unused ends here; none outside this module tree decides it.
    pub(super) fn release_if_unused(self) {
        if !self.state().is_unused() {
            return;
        }
        // With no waker left, nobody else can take a reference any more, so
        // the cell can be freed without an atomic write.
        if self.header().refs.is_only() {
            // SAFETY: the runtime side held the only reference.
            unsafe { (self.header().vtable.dealloc)(self) };
        } else {
            self.ref_dec();
        }
    }
}

/// The runtime's work on a finished task (dropping what it left, taking it
/// off the books, waking its joiner). The cell is kept while this lives,
/// and let go, if nothing else holds it, when it drops.
pub(crate) struct Finishing(RawTask);

impl Finishing {
    /// What the task still has for the runtime to clean up.
    pub(crate) fn retire(&self) -> Retire {
        self.0.state().transition_to_retiring()
    }
}

impl Drop for Finishing {
    fn drop(&mut self) {
        self.0.retired();
    }
}

/// Holds the vtable of one cell type as an associated constant, so that
/// `&VtableOf::<F, N>::VTABLE` is a `'static` promoted reference.
struct VtableOf<F, N>(std::marker::PhantomData<(F, N)>);

impl<F: TaskFuture, N: TaskName> VtableOf<F, N> {
    const VTABLE: Vtable = Vtable {
        poll: poll::<F, N>,
        drop_stage: drop_stage::<F, N>,
        take_output: take_output::<F, N>,
        name: name::<F, N>,
        dealloc: dealloc::<F, N>,
    };
}

fn vtable<F: TaskFuture, N: TaskName>() -> &'static Vtable {
    &VtableOf::<F, N>::VTABLE
}

/// The stage of `task`.
///
/// # Safety
/// `task` must point to a `TaskCell<F, N>`.
unsafe fn stage<F: TaskFuture, N>(task: RawTask) -> *mut Stage<F> {
    // SAFETY: the caller guarantees the cell's type; the cell is alive.
    unsafe { task.0.cast::<TaskCell<F, N>>().as_ref().stage.get() }
}

/// Drops the future in place, clearing `FUTURE` first. A panic in its
/// destructor is caught (and its payload dropped).
///
/// # Safety
/// The stage must hold the future (`FUTURE` set); runtime thread.
unsafe fn drop_future<F: TaskFuture>(task: RawTask, stage: *mut Stage<F>) {
    task.state().take_future();
    // SAFETY: the stage held the future, so the future is live; it is dropped where
    // it lies, as `Pin` requires, and never touched again.
    let dropped = catch_unwind(AssertUnwindSafe(|| unsafe { ManuallyDrop::drop(&mut (*stage).future) }));
    if let Err(payload) = dropped {
        drop_payload(payload);
    }
}

/// Drops a caught panic's payload, whose own destructor might panic too: a
/// second panic is contained and its payload leaked rather than let unwind.
pub(crate) fn drop_payload(payload: Panic) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}

unsafe fn poll<F: TaskFuture, N>(task: RawTask, cx: &mut Context<'_>) -> Poll<()> {
    // SAFETY: the vtable is only built for `TaskCell<F, N>`.
    let stage = unsafe { stage::<F, N>(task) };
    // SAFETY: `FUTURE` is set (checked by `RawTask::poll`); the future lives
    // in the heap cell and is never moved until it is dropped.
    let future = unsafe { Pin::new_unchecked(&mut *(*stage).future) };
    let result = match catch_unwind(AssertUnwindSafe(|| future.poll_task(cx))) {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(result)) => result,
        Err(payload) => Err(Failure::Panic(Box::new(payload))),
    };
    // SAFETY: the future is still live; the output is written over the
    // dropped future without reading it.
    unsafe {
        drop_future(task, stage);
        (*stage).output = ManuallyDrop::new(result);
    }
    task.state().put_output();
    Poll::Ready(())
}

unsafe fn drop_stage<F: TaskFuture, N>(task: RawTask) {
    // SAFETY: the vtable is only built for `TaskCell<F, N>`.
    let stage = unsafe { stage::<F, N>(task) };
    if task.state().has_future() {
        // SAFETY: the state says the future is live.
        unsafe { drop_future(task, stage) };
    } else if task.state().take_output() {
        // SAFETY: the state said the output is live; it is marked gone first
        // so it is never dropped twice.
        let dropped = catch_unwind(AssertUnwindSafe(|| unsafe { ManuallyDrop::drop(&mut (*stage).output) }));
        if let Err(payload) = dropped {
            drop_payload(payload);
        }
    }
}

unsafe fn take_output<F: TaskFuture, N>(task: RawTask, dst: *mut ()) {
    assert!(task.state().take_output(), "a task's output was taken twice");
    // SAFETY: the vtable is only built for `TaskCell<F, N>`; the state said
    // the output is live, and marking it gone means it is read only once.
    let output = unsafe { ManuallyDrop::take(&mut (*stage::<F, N>(task)).output) };
    let dst = dst as *mut Option<Result<F::Output, Failure>>;
    // SAFETY: the caller of `take_output` passes a slot of this type.
    unsafe { *dst = Some(output) };
}

unsafe fn name<F: TaskFuture, N: TaskName>(task: RawTask) -> Option<NonNull<str>> {
    // SAFETY: the vtable is only built for `TaskCell<F, N>`; the name is
    // immutable, so a shared borrow is fine on any thread.
    let cell = unsafe { task.0.cast::<TaskCell<F, N>>().as_ref() };
    cell.name.as_str().map(NonNull::from)
}

unsafe fn dealloc<F: TaskFuture, N>(task: RawTask) {
    let runtime = task.header().runtime;
    let cell = task.0.cast::<TaskCell<F, N>>();
    let (memory, layout) = (cell.cast::<u8>(), Layout::new::<TaskCell<F, N>>());
    // SAFETY (both blocks below): this is the last reference, and the cell
    // was written in `RawTask::new` with this exact type. The stage is a
    // union without drop glue and already empty (see the module docs), so
    // dropping the cell drops only the header and the name; then nothing
    // uses the memory any more, which came from `RawTask::new` with `layout`.
    //
    // On the runtime's thread the memory goes back to its free lists, if it
    // came from there. A cell made by `Handle::spawn`, mostly on another
    // thread, came from the allocator and goes back to it, where the thread
    // that made it can reuse it. (Keeping those made a probe of 8 threads
    // spawning 100k tasks each peak at 217-228 MB of RSS, against 138-145
    // MB without.) Elsewhere a carved cell is sent back to its runtime,
    // or, if that is gone, counted by its block (see `cells/`). The bit
    // is read before the header is dropped; off the runtime's thread too,
    // since the last reference's release and acquire (see `refs.rs`) order
    // the runtime thread's writes of it before this read.
    let carved = task.state().is_carved();
    let kept = carved
        && context::with_current(|core| {
            let here = core.is(runtime);
            if here {
                // SAFETY: see above.
                unsafe {
                    ptr::drop_in_place(cell.as_ptr());
                    core.cells().put(memory, layout);
                }
            }
            here
        }) == Some(true);
    if !kept {
        // SAFETY: see above.
        unsafe {
            ptr::drop_in_place(cell.as_ptr());
            cells::release(memory, layout, carved, runtime);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_made_on_other_threads_go_back_to_the_allocator_not_the_free_lists() {
        let rt = crate::Runtime::new().unwrap();
        let handle = rt.handle();
        std::thread::spawn(move || drop(handle.spawn(async {}))).join().unwrap();
        rt.run_until_stalled();
        assert_eq!(rt.core().cells().free_cells(), 0, "a remote spawn's cell was kept");
        drop(crate::spawn(async {}));
        rt.run_until_stalled();
        assert_eq!(rt.core().cells().free_cells(), 1, "a local spawn's cell was not kept");
    }

    #[test]
    fn a_cell_freed_on_another_thread_goes_back_to_its_runtime() {
        let rt = crate::Runtime::new().unwrap();
        let parked = std::sync::Arc::new(std::sync::Mutex::new(None));
        let task = crate::spawn({
            let parked = parked.clone();
            std::future::poll_fn(move |cx| {
                *parked.lock().unwrap() = Some(cx.waker().clone());
                std::task::Poll::Ready(())
            })
        });
        rt.block_on(task).unwrap();
        let waker = parked.lock().unwrap().take().unwrap();
        let free = rt.core().cells().free_cells();
        // The waker holds the last reference, and drops it there.
        std::thread::spawn(move || drop(waker)).join().unwrap();
        rt.run_until_stalled();
        assert_eq!(
            rt.core().cells().free_cells(),
            free + 1,
            "the cell did not come back to the free list"
        );
    }
}
