//! The program behind `examples/ctrl_c`: a producer, ten workers, and the
//! shutdown that the first Ctrl-C (or SIGTERM) starts. It lives apart from
//! `main.rs` so that `tests/signal.rs` can run this very code as a child
//! process and send it real signals.

use std::cell::Cell;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{self, Either};
use grove::queue::Queue;
use grove::signal::{Signal, SignalKind, signal};
use grove::task::Builder;

/// What the program does, in numbers.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How many workers take jobs from the queue.
    pub workers: usize,
    /// How long one job takes.
    pub job_time: Duration,
}

/// How the run went.
#[derive(Debug)]
pub struct Report {
    /// The signal that started the shutdown.
    pub signal: &'static str,
    /// Jobs the producer put in the queue.
    pub produced: u64,
    /// Jobs the workers finished.
    pub done: u64,
    /// Whether a second Ctrl-C cut the shutdown short.
    pub abandoned: bool,
}

impl Report {
    /// Jobs put in the queue and never finished.
    pub fn dropped(&self) -> u64 {
        self.produced - self.done
    }
}

/// Runs until a SIGINT or SIGTERM, then shuts down: the producer stops,
/// the jobs already queued and in hand are finished, and the workers end.
/// A second SIGINT during the shutdown returns at once, `abandoned`.
/// `ready` is called once the signal listeners are in place.
pub async fn run(settings: Settings, ready: impl FnOnce()) -> io::Result<Report> {
    // Listen before anything can go wrong: a signal from now on is kept.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let dumps = Builder::new()
        .name("task dump on SIGUSR1")
        .spawn(print_task_dumps(signal(SignalKind::user_defined1())?));

    let queue = Queue::bounded(settings.workers);
    let (produced, done) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let producer = Builder::new()
        .name("producer")
        .spawn(produce(queue.clone(), produced.clone()));
    let workers: Vec<_> = (0..settings.workers)
        .map(|n| {
            let job = work(queue.clone(), done.clone(), settings.job_time);
            Builder::new().name(format!("worker {n}")).spawn(job)
        })
        .collect();
    ready();

    let signal = match future::select(pin!(interrupt.recv()), pin!(terminate.recv())).await {
        Either::Left((got, _)) => got.map(|()| "SIGINT")?,
        Either::Right((got, _)) => got.map(|()| "SIGTERM")?,
    };
    println!("{signal}: stopping the producer; the workers finish what is queued (Ctrl-C again quits at once)");
    // Closing stops the producer without losing count: its waiting put
    // either went in (a worker took the job and made room) and returns
    // `Ok`, or gets its job back. Killing the producer would not do: a put
    // whose job went in, killed before it ran again, never counts that job.
    // Closed, the queue still hands out what it holds, then ends the
    // workers' loops.
    queue.close();
    let _ = producer.await;

    let (all_done, again) = (pin!(grove::joinall(workers)), pin!(interrupt.recv()));
    let abandoned = matches!(future::select(all_done, again).await, Either::Right(_));
    dumps.kill();
    Ok(Report {
        signal,
        produced: produced.get(),
        done: done.get(),
        abandoned,
    })
}

/// Puts numbered jobs in the queue until it is closed.
async fn produce(queue: Queue<u64>, produced: Rc<Cell<u64>>) {
    for job in 1.. {
        if queue.put(job).await.is_err() {
            return; // closed
        }
        produced.set(produced.get() + 1);
    }
}

/// Takes jobs until the queue is closed and empty.
async fn work(queue: Queue<u64>, done: Rc<Cell<u64>>, job_time: Duration) {
    while let Ok(_job) = queue.get().await {
        grove::sleep(job_time).await; // the job
        done.set(done.get() + 1);
    }
}

/// Prints what every task is doing, at each SIGUSR1 (`kill -USR1 <pid>`).
async fn print_task_dumps(mut usr1: Signal) {
    while usr1.recv().await.is_ok() {
        print!("{}", grove::runtime::tasks());
    }
}
