//! Why a task did not return a value.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Mutex;

use super::TaskId;
use super::outcome::{Failure, Panic};

/// A task was killed, it panicked, or it never ran because the runtime
/// could not start what it needed (a thread for a blocking job).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let task = grove::spawn(async { panic!("boom") });
///     let err = task.await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// });
/// ```
pub struct JoinError {
    id: TaskId,
    cause: Cause,
}

enum Cause {
    Killed,
    /// The payload is behind a mutex only so that `JoinError` is `Sync`,
    /// as error types are expected to be.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
    Refused(io::Error),
}

impl JoinError {
    pub(crate) fn killed(id: TaskId) -> JoinError {
        JoinError {
            id,
            cause: Cause::Killed,
        }
    }

    /// The error of task `id`, which ended with `failure`.
    pub(crate) fn new(id: TaskId, failure: Failure) -> JoinError {
        let cause = match failure {
            Failure::Panic(payload) => Cause::Panic(Mutex::new(*payload)),
            Failure::Refused(error) => Cause::Refused(error),
            Failure::Killed => Cause::Killed,
        };
        JoinError { id, cause }
    }

    /// The error of task `id`, which panicked with `payload`.
    pub(crate) fn panic(id: TaskId, payload: Panic) -> JoinError {
        JoinError {
            id,
            cause: Cause::Panic(Mutex::new(payload)),
        }
    }

    /// Whether the task was killed.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(std::future::pending::<()>());
    ///     task.kill();
    ///     assert!(task.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn is_killed(&self) -> bool {
        matches!(self.cause, Cause::Killed)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(async { panic!("boom") });
    ///     assert!(task.await.unwrap_err().is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.cause, Cause::Panic(_))
    }

    /// Whether the task never ran because the runtime could not start what
    /// it needed: a `spawn_blocking` job (or a `blocking::ThreadPool` job
    /// queued meanwhile) whose pool had no thread and was refused one by
    /// the OS. The OS's
    /// error is the error's [`source`](std::error::Error::source).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let err = grove::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(!err.is_refused());
    /// });
    /// ```
    pub fn is_refused(&self) -> bool {
        matches!(self.cause, Cause::Refused(_))
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(std::future::pending::<()>());
    ///     let id = task.id();
    ///     task.kill();
    ///     assert_eq!(task.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The panic's payload, to inspect or to resume with
    /// `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was killed or refused rather than panicking; see
    /// [`try_into_panic`](JoinError::try_into_panic).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(async { panic!("boom") });
    ///     let payload = task.await.unwrap_err().into_panic();
    ///     assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(e) => panic!("JoinError::into_panic called on an error that is not a panic: {e}"),
        }
    }

    /// The panic's payload, or the error itself if the task was killed or
    /// refused.
    ///
    /// # Errors
    /// Gives `self` back if the task did not panic.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(std::future::pending::<()>());
    ///     task.kill();
    ///     assert!(task.await.unwrap_err().try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.cause {
            Cause::Panic(payload) => Ok(payload.into_inner().unwrap_or_else(|e| e.into_inner())),
            Cause::Killed | Cause::Refused(_) => Err(self),
        }
    }
}

/// A panic's message, when its payload is a string.
fn panic_message(payload: &Mutex<Box<dyn Any + Send + 'static>>) -> String {
    let payload = payload.lock().unwrap_or_else(|e| e.into_inner());
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(|s| &s[..]));
    text.unwrap_or("a non-string payload").to_owned()
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Killed => write!(f, "task {} was killed", self.id),
            Cause::Panic(payload) => write!(f, "task {} panicked: {}", self.id, panic_message(payload)),
            Cause::Refused(e) => write!(f, "task {} never ran: {e}", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Killed => f.debug_tuple("Killed").field(&self.id).finish(),
            Cause::Panic(payload) => f
                .debug_tuple("Panic")
                .field(&self.id)
                .field(&panic_message(payload))
                .finish(),
            Cause::Refused(e) => f.debug_tuple("Refused").field(&self.id).field(e).finish(),
        }
    }
}

impl std::error::Error for JoinError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Refused(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::io;

    use super::{Failure, JoinError, TaskId};

    #[test]
    fn a_refusal_is_its_own_kind_of_error_with_the_os_error_as_source() {
        let id = TaskId::next();
        let err = JoinError::new(id, Failure::Refused(io::Error::other("no threads")));
        assert!(err.is_refused());
        assert!(!err.is_panic() && !err.is_killed());
        assert_eq!(err.source().unwrap().to_string(), "no threads");
        assert_eq!(err.to_string(), format!("task {id} never ran: no threads"));
        assert!(err.try_into_panic().is_err());
    }

    #[test]
    fn a_panic_keeps_its_payload() {
        let err = JoinError::new(TaskId::next(), Failure::Panic(Box::new(Box::new("boom"))));
        assert!(err.is_panic() && !err.is_refused());
        assert!(err.source().is_none());
        assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    }
}
