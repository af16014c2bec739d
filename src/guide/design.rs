//! # How grove is built
//!
//! A runtime is one thread's loop: a run queue of tasks, a `mio::Poll` for
//! sockets, a timer heap, and a queue that other threads push to. The
//! source follows that split: `runtime/` holds the loop and its drivers,
//! and every public module (`task`, `sync`, `queue`, `net`, ...) is built on
//! `runtime/` without `runtime/` depending on it.
//!
//! ## One allocation per task
//!
//! A task cell is a 40-byte header plus the future, whose memory the
//! result reuses once the future is done (`runtime/task/raw.rs`). Its
//! lifecycle bits are a plain `Cell`: only the runtime's thread touches
//! them, through the named transitions of `runtime/task/state.rs`, which
//! alone decide when the cell may be freed. Only the reference count that
//! wakers hold is atomic, since wakers are `Send + Sync`. The header keeps
//! the joiner's waker in one word (`SlimWaker`: a task's or a `block_on`
//! future's waker is its data pointer, and only a foreign one is boxed).
//! Cells are
//! carved back to back from 64 KiB blocks mapped from the OS, one size class
//! (a multiple of 8 bytes) per block, with no allocator header or rounding
//! to 16 (`runtime/task/cells/`). Freed cells go to a free list per class
//! and are reused by the next spawns; when the runtime goes idle after
//! enough frees, blocks whose cells are all free are unmapped, half of each
//! list at a time, so the memory of a spike drains away. A cell freed on
//! another thread is sent back to its runtime with the messages from other
//! threads; after its runtime is gone, it is only counted in its block,
//! which the last such free unmaps.
//!
//! A task ends with its value or an explicit failure stored in the cell: a
//! caught panic, or a refusal (a blocking job whose thread the OS refused).
//! The `JoinHandle` turns it into a [`JoinError`](crate::JoinError).
//!
//! ## Only waiting tasks are registered
//!
//! Dropping a runtime must drop every unfinished task, including those no
//! waker refers to. A task enters the runtime's registry the first time it
//! returns `Pending`; until then the run queue is where shutdown finds it,
//! and a task that finishes in its first poll never costs a registration.
//!
//! ## A run queue plus a handoff slot
//!
//! A wake appends the task to the run queue. A *handoff*
//! ([`task::wake_next`](crate::task::wake_next), a `Channel` put to a
//! waiting getter, a `switch`) puts it in a one-task slot that runs before
//! the queue: control passes to the partner, as in greenlet. A `Channel`
//! put is a switch, there and back: the putter waits beside the slot and
//! takes it as soon as its partner has been taken out to run, so it runs
//! right after the partner's poll. A run of 32 handoffs in a row ends with
//! the partner sent to the back of the queue, so two tasks handing off
//! forever cannot starve the rest. I/O, timers and
//! other threads' messages are looked at every 64 tasks
//! ([`Builder::event_interval`](crate::runtime::Builder::event_interval))
//! and whenever the queue is empty.
//!
//! ## One waiter list under every primitive
//!
//! `Event`, `AsyncResult`, the semaphores and locks, `Condition`, the
//! queues and `Channel`, the pools' joins and the thread pool's spawners all
//! wait on one list type (`runtime/wait/list.rs`). Waiters are nodes in a
//! per-list vector linked by `u32` index, with a free list, so a wait that
//! recurs (a `Channel` getter, a lock's next owner) reuses a warm node. A
//! node carries the value handed to it (an item, a permit).
//!
//! Every waiting future holds one `Waiter` (`runtime/wait/waiter.rs`):
//! dropped in line, it leaves the line; dropped after it was notified but
//! before it collected, it passes the notification (and the item or permit
//! it carries) to the next waiter, where the primitive's line says so (a
//! semaphore's, a getter's, a `Condition`'s; not an `Event`'s, which wakes
//! everyone anyway). That is what makes every waiting operation
//! cancel-safe, and no primitive writes a `Drop` of its own.
//!
//! A notified waiter that is a task of the current runtime is queued on the
//! spot, under the primitive's borrow (queueing runs no user code), and its
//! node keeps the task's waker for the next wait, sparing the two atomic
//! reference-count operations of a clone. Other executors' wakers are
//! handed back and woken after the borrow is released.
//!
//! ## Timers
//!
//! Deadlines armed in order (the usual case: the same read timeout on
//! every request) go to the back of a sorted run, O(1); the others to a
//! binary heap, O(log n). Both delete lazily: cancel is O(1), and both are
//! compacted when cancelled entries outnumber live ones
//! (`runtime/timers/`). An armed timer takes a 16-byte entry and a
//! one-word slot for its waker (a task's waker is its cell pointer; a
//! foreign one is kept beside the slot). Slots need no generation, since
//! a timer has fired exactly when its deadline is at or before the time of
//! the last `fire`. A timer future holds only its deadline, its runtime's
//! id and a slot, so it is `Send + Sync`, as hyper's timer trait requires.
//!
//! Deadlines are nanosecond ticks of `CLOCK_MONOTONIC` (`runtime/clock.rs`).
//! A long sleep or timeout (1 to 10 s or more, by the kernel's tick) reads
//! the kernel's coarse clock instead, a third of the cost, and adds ten of
//! its ticks, more than it can lag, so that it does not end early: a read
//! timeout is armed per request and almost never fires, and the precise
//! read cost as much as arming and cancelling it.
//!
//! ## The reactor
//!
//! `mio::Poll` plus a slab of I/O slots (`runtime/reactor.rs`); tokens carry
//! a generation, so a stale event never wakes the new owner of a reused
//! slot. Readiness is remembered per slot until an operation proves it
//! gone, which makes edge-triggered epoll lose no wake-up. A TCP read that
//! returns less than it asked for has drained the socket, so its readiness
//! is dropped without the extra `read` that would fail with `WouldBlock`.
//!
//! ## Other threads
//!
//! A waker used on another thread pushes its task to the runtime's inject
//! queue and wakes the poller through `mio::Waker`; only the first push
//! after the runtime drained pays for that write. The waker finds its
//! runtime from the 32-bit id in the task header: the id names a slot of a
//! process-wide table that is never freed, so the lookup takes no lock
//! (`runtime/shared/`). [`Handle::spawn`](crate::Handle::spawn) goes a
//! like way, but to one of eight spawn lanes, picked per thread, each with
//! its own lock, so that threads spawning at once rarely meet on a lock. A
//! spawn takes one allocation: the result slot that its `RemoteJoinHandle`
//! reads lives in the task's cell, and the handle keeps the cell with a
//! reference, as a waker does (`runtime/task/remote.rs`).
//!
//! A sleep in epoll ends with the kernel waking the loop's thread, which on
//! a VM can take tens of microseconds. So when the loop's last sleep was
//! ended by a message from another thread within a millisecond, it watches
//! the inject queue for up to 50 µs before it sleeps again: a task trading
//! messages with an OS thread then gets each answer without a wake-up. A
//! watch that sees nothing doubles the number of sleeps before the next
//! try, up to 64, and one that sees a message halves it, so the loop
//! watches about as often as watching pays (`runtime/watch.rs`).
//!
//! ## The blocking pool
//!
//! One mutex-guarded queue with a condition variable
//! (`runtime/blocking/`). Threads start when a job finds none idle, up to
//! the maximum, and exit after an idle timeout. Each job gets a green task
//! whose `JoinHandle` is an ordinary task handle: killing it before a
//! thread takes the job removes the job from the queue. Both sides watch
//! for the other for 50 µs before they sleep: a pool thread that finished a
//! job watches the queue, and the loop, within a millisecond of handing a
//! job over, watches its inject queue before it sleeps in epoll. That makes
//! a round trip short, at the price of up to 50 µs of spinning on each side
//! per idle transition.
