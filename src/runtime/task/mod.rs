//! Task cells and their wakers: the unsafe core of the runtime, kept small.

pub(crate) mod cache;
pub(crate) mod live;
pub(crate) mod raw;
pub(crate) mod state;
pub(crate) mod waker;

pub(crate) use raw::{RawTask, TaskName};
