//! The I/O reactor: one `mio::Poll` and a slab of I/O slots, one per
//! registered source (token = generation and slab index).
//!
//! # Edge-triggered without lost wake-ups
//!
//! mio registers sources edge-triggered (`EPOLLET`, see epoll(7)): the kernel
//! reports a source once per change, not while it stays ready. Each slot
//! therefore remembers readiness until an operation proves it gone: a
//! read or write that returns `WouldBlock` clears the bit *and* stores the
//! waker in the same `poll`, with no `.await` in between. The runtime has
//! one thread, so no event can be dispatched between the two; an edge that
//! the kernel raises meanwhile stays queued in epoll and is dispatched at the
//! next turn, where it sets the bit and wakes the stored waker.
//!
//! A slot's generation changes each time the slab index is reused, and it is
//! part of the token, so an event still queued for a source that has been
//! dropped never wakes the task that now owns the index.

use std::cell::{Cell, RefCell};
use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Token};
use slab::Slab;

use super::context;

/// The token of the runtime's `mio::Waker`.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// Which way an operation goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Direction {
    Read = 0,
    Write = 1,
}

impl Direction {
    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The bits that make a source ready this way: for reads, the peer's
    /// end of stream too, which [`Reactor::clear_drained`] leaves in place.
    fn ready_bits(self) -> u8 {
        match self {
            Direction::Read => self.bit() | READ_CLOSED,
            Direction::Write => self.bit(),
        }
    }
}

/// The peer has closed its writing half: reads will return the rest of the
/// data and then end of stream, never `WouldBlock`, and no new event comes.
const READ_CLOSED: u8 = 1 << 2;

/// The peer sent urgent (out-of-band) TCP data. A read stops short at the
/// urgent mark with more data queued behind it, so from then on a short
/// read no longer means the buffer is empty.
const URGENT: u8 = 1 << 3;

/// Identifies a registered source: slab index and generation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct IoKey {
    index: u32,
    generation: u32,
}

impl IoKey {
    fn token(self) -> Token {
        Token(((self.generation as usize) << 32) | self.index as usize)
    }

    fn from_token(token: Token) -> IoKey {
        IoKey {
            index: token.0 as u32,
            generation: (token.0 >> 32) as u32,
        }
    }
}

/// What the reactor knows of one source.
struct IoSlot {
    generation: u32,
    /// Readiness bits (`Direction::bit`) not yet disproved by `WouldBlock`.
    ready: u8,
    /// The tasks waiting to read, and those waiting to write.
    waiters: [Waiters; 2],
}

/// The tasks waiting one way on a source. Usually one (a reader, a writer),
/// so the first waker is kept inline; more only when tasks share a source.
///
/// A waiter stays until the source's next event, even if the operation
/// that registered it was dropped: poll-style reads keep no state to
/// deregister with. So that tasks which come and go on a quiet shared
/// source (a read timeout around `recv_from` on one UDP socket) do not pile
/// up with their memory, a waker of a task that has finished gives way to
/// the next one: `first` is replaced, and `more` sheds them each time it is
/// full, before it grows. Should more than half of it still be wanted, it
/// doubles, so that a shed comes only after as many registrations as it
/// looked at (O(1) amortized), and its length stays within four times the
/// most it ever held that were wanted. Wakers of other executors cannot be
/// asked whether anyone still waits on them; they count as wanted, and
/// stay until the event.
#[derive(Default)]
pub(crate) struct Waiters {
    first: Option<Waker>,
    more: Vec<Waker>,
}

impl Waiters {
    /// Adds `waker` unless it is there already. Returns the wakers of
    /// finished tasks that it displaced, for the caller to drop once no
    /// borrow is held: dropping the last one frees its task.
    fn register(&mut self, waker: &Waker) -> Vec<Waker> {
        let known = |w: &Waker| w.will_wake(waker);
        if self.first.as_ref().is_some_and(known) || self.more.iter().any(known) {
            return Vec::new();
        }
        match &mut self.first {
            None => self.first = Some(waker.clone()),
            Some(first) if context::finished_here(first) => return vec![std::mem::replace(first, waker.clone())],
            Some(_) => {
                let finished = if self.more.len() == self.more.capacity() {
                    self.shed_finished()
                } else {
                    Vec::new()
                };
                self.more.push(waker.clone());
                return finished;
            }
        }
        Vec::new()
    }

    /// Takes the wakers of finished tasks out of `more`, and makes room
    /// for as many more as it keeps.
    fn shed_finished(&mut self) -> Vec<Waker> {
        let mut finished = Vec::new();
        context::with_current(|core| {
            let mut i = 0;
            while i < self.more.len() {
                if core.finished_here(&self.more[i]) {
                    finished.push(self.more.swap_remove(i));
                } else {
                    i += 1;
                }
            }
        });
        if self.more.len() > self.more.capacity() / 2 {
            self.more.reserve(self.more.len());
        }
        finished
    }

    fn drain_into(&mut self, woken: &mut Vec<Waker>) {
        woken.extend(self.first.take());
        woken.append(&mut self.more);
    }
}

/// mio's poller plus the slots of every registered source.
pub(crate) struct Reactor {
    poll: RefCell<mio::Poll>,
    events: RefCell<Events>,
    slots: RefCell<Slab<IoSlot>>,
    next_generation: Cell<u32>,
}

impl Reactor {
    /// A reactor, the waker that interrupts its poll, and a handle on its
    /// poller for other threads to deregister sources with.
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker, mio::Registry)> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let registry = poll.registry().try_clone()?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(1024)),
            slots: RefCell::new(Slab::new()),
            next_generation: Cell::new(0),
        };
        Ok((reactor, waker, registry))
    }

    /// How many sources are registered.
    pub(crate) fn len(&self) -> usize {
        self.slots.borrow().len()
    }

    /// Registers `source` for reading and writing. It starts out assumed
    /// ready both ways, so the first operation is simply tried.
    pub(crate) fn register(&self, source: &mut impl Source) -> io::Result<IoKey> {
        let generation = self.next_generation.get();
        self.next_generation.set(generation.wrapping_add(1));
        let mut slots = self.slots.borrow_mut();
        let entry = slots.vacant_entry();
        let index = u32::try_from(entry.key()).map_err(|_| io::Error::other("too many I/O sources"))?;
        let key = IoKey { index, generation };
        let interest = Interest::READABLE | Interest::WRITABLE;
        // Urgent data shows as a priority event; see `URGENT`.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let interest = interest | Interest::PRIORITY;
        self.poll.borrow().registry().register(source, key.token(), interest)?;
        entry.insert(IoSlot {
            generation,
            ready: 0b11,
            waiters: Default::default(),
        });
        Ok(key)
    }

    /// Deregisters `source` and frees its slot. Returns the slot's wakers,
    /// for the caller to drop once no borrow is held.
    pub(crate) fn deregister(&self, key: IoKey, source: &mut impl Source) -> [Waiters; 2] {
        // Deregistering can only fail if the fd is already closed, in which
        // case the kernel dropped it from the epoll set anyway.
        let _ = self.poll.borrow().registry().deregister(source);
        self.release(key)
    }

    /// Frees the slot of a source that another thread deregistered (see
    /// `Remote::deregister`). Returns the slot's wakers, as
    /// [`deregister`](Reactor::deregister) does. An event that was already
    /// queued for it finds the slot's generation gone.
    pub(crate) fn release(&self, key: IoKey) -> [Waiters; 2] {
        let mut slots = self.slots.borrow_mut();
        match slots.get(key.index as usize) {
            Some(slot) if slot.generation == key.generation => slots.remove(key.index as usize).waiters,
            _ => Default::default(),
        }
    }

    /// `Ready` if the source may be ready in `dir`; otherwise stores the
    /// waker and returns `Pending`.
    pub(crate) fn poll_ready(&self, key: IoKey, dir: Direction, cx: &mut Context<'_>) -> Poll<()> {
        let mut slots = self.slots.borrow_mut();
        let Some(slot) = slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)
        else {
            return Poll::Ready(());
        };
        if slot.ready & dir.ready_bits() != 0 {
            return Poll::Ready(());
        }
        let finished = slot.waiters[dir as usize].register(cx.waker());
        drop(slots);
        drop(finished);
        Poll::Pending
    }

    /// Forgets readiness in `dir`, after an operation returned `WouldBlock`.
    pub(crate) fn clear_ready(&self, key: IoKey, dir: Direction) {
        self.update(key, |ready| *ready &= !dir.ready_bits());
    }

    /// Forgets read readiness after a read that drained the socket's
    /// buffer, so that the next read waits for an event instead of failing
    /// with `WouldBlock` first; an end of stream already reported stays.
    pub(crate) fn clear_drained(&self, key: IoKey) {
        self.update(key, |ready| {
            if *ready & URGENT == 0 {
                *ready &= !Direction::Read.bit();
            }
        });
    }

    /// Changes the readiness bits of source `key`, if it is still there.
    fn update(&self, key: IoKey, change: impl FnOnce(&mut u8)) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(key.index as usize) {
            if slot.generation == key.generation {
                change(&mut slot.ready);
            }
        }
    }

    /// The poller's file descriptor (epoll's on Linux).
    pub(crate) fn raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&*self.poll.borrow())
    }

    /// Waits up to `timeout` for events and appends the wakers they release
    /// to `woken`. Returns whether the runtime's `mio::Waker` fired.
    pub(crate) fn poll(&self, timeout: Option<Duration>, woken: &mut Vec<Waker>) -> io::Result<bool> {
        let mut events = self.events.borrow_mut();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(false),
            Err(e) => return Err(e),
        }
        let mut slots = self.slots.borrow_mut();
        let mut inject = false;
        for event in events.iter() {
            if event.token() == WAKE_TOKEN {
                inject = true;
                continue;
            }
            let key = IoKey::from_token(event.token());
            let Some(slot) = slots
                .get_mut(key.index as usize)
                .filter(|s| s.generation == key.generation)
            else {
                continue;
            };
            let failed = event.is_error();
            #[cfg(feature = "tracing")]
            tracing::trace!(
                source = key.index,
                readable = event.is_readable(),
                writable = event.is_writable(),
                closed = event.is_read_closed() || event.is_write_closed(),
                error = failed,
                "grove: I/O ready"
            );
            if event.is_read_closed() {
                slot.ready |= READ_CLOSED;
            }
            if event.is_priority() {
                slot.ready |= URGENT | Direction::Read.bit();
                slot.waiters[Direction::Read as usize].drain_into(woken);
            }
            if event.is_readable() || event.is_read_closed() || failed {
                slot.ready |= Direction::Read.bit();
                slot.waiters[Direction::Read as usize].drain_into(woken);
            }
            if event.is_writable() || event.is_write_closed() || failed {
                slot.ready |= Direction::Write.bit();
                slot.waiters[Direction::Write as usize].drain_into(woken);
            }
        }
        Ok(inject)
    }
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::rc::Rc;
    use std::task::Poll;
    use std::time::Duration;

    use crate::net::UdpSocket;
    use crate::runtime::context;

    /// Wakers waiting on any source of the current runtime.
    fn waiting() -> usize {
        context::with_current(|core| {
            let slots = core.reactor().slots.borrow();
            let per_list = |w: &super::Waiters| usize::from(w.first.is_some()) + w.more.len();
            slots
                .iter()
                .map(|(_, slot)| slot.waiters.iter().map(per_list).sum::<usize>())
                .sum()
        })
        .expect("in a runtime")
    }

    #[test]
    fn finished_tasks_do_not_pile_up_on_a_quiet_shared_source_and_live_ones_stay() {
        crate::run(async {
            let socket = Rc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = socket.local_addr().unwrap();
            let live: Vec<_> = (0..5)
                .map(|_| {
                    let socket = socket.clone();
                    crate::spawn(async move { socket.recv_from(&mut [0; 16]).await.map(|(n, _)| n) })
                })
                .collect();
            crate::yield_now().await;
            // Tasks that wait once and give up (a read timeout), then end.
            for _ in 0..10_000 {
                let socket = socket.clone();
                crate::spawn(poll_fn(move |cx| {
                    let mut buf = [0; 16];
                    let read = pin!(socket.recv_from(&mut buf));
                    assert!(read.poll(cx).is_pending());
                    Poll::Ready(())
                }))
                .await
                .unwrap();
            }
            let left = waiting();
            assert!((5..64).contains(&left), "{left} wakers wait for 5 live tasks");
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for _ in 0..5 {
                sender.send_to(b"ping", addr).await.unwrap();
            }
            for task in live {
                let got = crate::time::timeout(Duration::from_secs(10), task).await;
                assert_eq!(got.expect("a live reader was lost").unwrap().unwrap(), 4);
            }
        });
    }
}
