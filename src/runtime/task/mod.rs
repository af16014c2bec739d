//! Task cells and their wakers: the unsafe core of the runtime, kept small.

pub(crate) mod cells;
mod error;
mod id;
mod join;
mod local;
pub(crate) mod outcome;
pub(crate) mod raw;
mod refs;
pub(crate) mod registry;
pub(crate) mod remote;
pub(crate) mod state;
pub(crate) mod waker;

pub use error::JoinError;
pub use id::TaskId;
pub use join::JoinHandle;
pub(crate) use join::Killer;
pub(crate) use local::LocalStore;
pub(crate) use raw::{RawTask, TaskName};
pub use remote::RemoteJoinHandle;
