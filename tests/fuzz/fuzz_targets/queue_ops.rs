//! grove's queues and `Channel` driven by arbitrary sequences of puts,
//! gets, polls, drops and closes, outside of any runtime (wakers are a
//! no-op; the futures are polled by hand).
//!
//! Items are numbered. At the end every future is dropped and the queue is
//! drained: each item got must have been put, none may be got twice, and
//! every put that reported success must have been got.

#![no_main]

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use arbitrary::Arbitrary;
use grove::queue::{Channel, LifoQueue, PriorityQueue, Queue, QueueOf};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Kind {
    Fifo,
    Bounded(u8),
    Lifo,
    Priority,
    Channel,
}

#[derive(Arbitrary, Debug)]
enum Op {
    TryPut,
    TryGet,
    /// Starts a put in slot `.0`, or polls the one there.
    Put(u8),
    /// Starts a get in slot `.0`, or polls the one there.
    Get(u8),
    /// Drops what slot `.0` holds.
    Drop(u8),
    Close,
    TaskDone,
    Peek,
}

#[derive(Arbitrary, Debug)]
struct Input {
    kind: Kind,
    ops: Vec<Op>,
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

enum Slot<'a> {
    Empty,
    Put(u32, Boxed<'a, Result<(), grove::queue::Closed<u32>>>),
    Get(Boxed<'a, Result<u32, grove::queue::Closed>>),
}

struct Books {
    next: u32,
    offered: HashSet<u32>,
    accepted: HashSet<u32>,
    got: HashSet<u32>,
}

impl Books {
    fn got(&mut self, item: u32) {
        assert!(self.offered.contains(&item), "item {item} was never put");
        assert!(self.got.insert(item), "item {item} was got twice");
    }
}

fn run<O: grove::queue::Order<u32>>(queue: QueueOf<u32, O>, ops: &[Op]) {
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut books = Books {
        next: 0,
        offered: HashSet::new(),
        accepted: HashSet::new(),
        got: HashSet::new(),
    };
    let mut slots: Vec<Slot<'_>> = (0..4).map(|_| Slot::Empty).collect();
    let mut dropped_gets = 0;
    for op in ops {
        match *op {
            Op::TryPut => {
                let item = books.next;
                books.next += 1;
                books.offered.insert(item);
                if queue.try_put(item).is_ok() {
                    books.accepted.insert(item);
                }
            }
            Op::TryGet => {
                if let Ok(item) = queue.try_get() {
                    books.got(item);
                }
            }
            Op::Put(i) | Op::Get(i) => {
                let slot = &mut slots[i as usize % 4];
                if matches!(slot, Slot::Empty) {
                    *slot = if matches!(op, Op::Put(_)) {
                        let item = books.next;
                        books.next += 1;
                        books.offered.insert(item);
                        Slot::Put(item, Box::pin(queue.put(item)))
                    } else {
                        Slot::Get(Box::pin(queue.get()))
                    };
                }
                match slot {
                    Slot::Put(item, put) => {
                        if let Poll::Ready(done) = put.as_mut().poll(&mut cx) {
                            if done.is_ok() {
                                books.accepted.insert(*item);
                            }
                            *slot = Slot::Empty;
                        }
                    }
                    Slot::Get(get) => {
                        if let Poll::Ready(got) = get.as_mut().poll(&mut cx) {
                            if let Ok(item) = got {
                                books.got(item);
                            }
                            *slot = Slot::Empty;
                        }
                    }
                    Slot::Empty => {}
                }
            }
            Op::Drop(i) => {
                // A get dropped after an item was handed to it passes the
                // item on, back into the buffer if no other getter waits:
                // that may take the queue past its capacity, by one item
                // per such get.
                if matches!(slots[i as usize % 4], Slot::Get(_)) {
                    dropped_gets += 1;
                }
                slots[i as usize % 4] = Slot::Empty;
            }
            Op::Close => queue.close(),
            Op::TaskDone => {
                let _ = queue.task_done();
            }
            Op::Peek => {
                if let Some(item) = queue.peek() {
                    assert!(books.offered.contains(&item));
                }
            }
        }
        if let Some(cap) = queue.capacity() {
            assert!(
                queue.len() <= cap + dropped_gets,
                "len {} over capacity {cap}",
                queue.len()
            );
        }
    }
    drop(slots);
    while let Ok(item) = queue.try_get() {
        books.got(item);
    }
    for item in &books.accepted {
        assert!(books.got.contains(item), "item {item} was accepted and lost");
    }
}

fuzz_target!(|input: Input| {
    match input.kind {
        Kind::Fifo => run(Queue::new(), &input.ops),
        Kind::Bounded(cap) => run(Queue::bounded(cap.max(1) as usize % 5 + 1), &input.ops),
        Kind::Lifo => run(LifoQueue::new(), &input.ops),
        Kind::Priority => run(PriorityQueue::new(), &input.ops),
        Kind::Channel => run(Channel::new(), &input.ops),
    }
});
