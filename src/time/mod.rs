//! Time: sleeping, deadlines and periodic ticks, all served by the
//! runtime's timers.
//!
//! Timer futures hold only plain data (a deadline and a key into the
//! runtime's timers), so they are `Send + Sync`, as hyper's `Timer` needs.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! grove::run(async {
//!     let slow = grove::sleep(Duration::from_secs(10));
//!     assert!(grove::timeout(Duration::from_millis(10), slow).await.is_err());
//! });
//! ```

mod interval;
mod sleep;
mod timeout;

pub use interval::{Interval, interval};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout};
