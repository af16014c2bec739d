//! What a task's cell runs, and what it can end with besides a value.
//!
//! A task ends with its future's value, or with a [`Failure`]: a panic
//! (caught by the runtime), a refusal (the runtime could not start what
//! the task needed: a blocking job's thread), or a kill the task reports
//! itself (a job of a terminated pool). Each is an explicit outcome
//! stored in the task, from which the join handle makes its `JoinError`.

use std::any::Any;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A caught panic's payload.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// Why a task ended without a value (a kill through its handle leaves no
/// outcome at all).
pub(crate) enum Failure {
    /// It panicked. Boxed once more, so that a failure takes two words,
    /// as a bare payload would: stages stay as small as before.
    Panic(Box<Panic>),
    /// It never ran: the runtime could not start what it needed. Only the
    /// blocking pool refuses.
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    Refused(io::Error),
    /// It was stopped from outside by other means than a kill: a blocking
    /// job whose pool was terminated. Its join handle reports a kill.
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    Killed,
}

/// What a task cell runs: a future whose result may also be a [`Failure`]
/// of the runtime's own making. Spawned futures run as [`Plain`]; the
/// runtime's blocking jobs implement it themselves.
pub(crate) trait TaskFuture: 'static {
    /// The task's value.
    type Output: 'static;

    /// Polls the task. A panic inside is caught by the caller.
    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Self::Output, Failure>>;
}

/// A spawned future, which ends with its value or a panic.
#[repr(transparent)]
pub(crate) struct Plain<F>(pub(crate) F);

impl<F> TaskFuture for Plain<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    type Output = F::Output;

    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<F::Output, Failure>> {
        // SAFETY: `Plain` is a transparent wrapper that never moves its
        // field out of the pin: this is structural pinning of `.0`.
        let future = unsafe { self.map_unchecked_mut(|plain| &mut plain.0) };
        future.poll(cx).map(Ok)
    }
}
