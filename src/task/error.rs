//! Why a task did not return a value.

use std::any::Any;
use std::fmt;
use std::sync::Mutex;

use super::TaskId;

/// A task was killed, or it panicked.
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
}

impl JoinError {
    pub(crate) fn killed(id: TaskId) -> JoinError {
        JoinError {
            id,
            cause: Cause::Killed,
        }
    }

    pub(crate) fn panic(id: TaskId, payload: Box<dyn Any + Send + 'static>) -> JoinError {
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
    /// If the task was killed rather than panicking; see
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

    /// The panic's payload, or the error itself if the task was killed.
    ///
    /// # Errors
    /// Gives `self` back if the task was killed.
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
            Cause::Killed => Err(self),
        }
    }

    /// The panic's message, when the payload is a string.
    fn panic_message(&self) -> Option<String> {
        let Cause::Panic(payload) = &self.cause else {
            return None;
        };
        let payload = payload.lock().unwrap_or_else(|e| e.into_inner());
        let text = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(|s| &s[..]));
        Some(text.unwrap_or("a non-string payload").to_owned())
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panic_message() {
            None => write!(f, "task {} was killed", self.id),
            Some(message) => write!(f, "task {} panicked: {message}", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panic_message() {
            None => f.debug_tuple("Killed").field(&self.id).finish(),
            Some(message) => f.debug_tuple("Panic").field(&self.id).field(&message).finish(),
        }
    }
}

impl std::error::Error for JoinError {}
