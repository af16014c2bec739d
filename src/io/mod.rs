//! Readiness-based I/O on the runtime's reactor.
//!
//! [`Async`] registers any [`mio::event::Source`] (a socket, a pipe, a Unix
//! stream, or your own `SourceFd`) with the reactor and turns its
//! non-blocking operations into futures. grove's own socket types are built
//! the same way.

mod source;

pub use source::Async;

mod fd;

pub(crate) use fd::FdSource;
