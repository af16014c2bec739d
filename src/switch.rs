//! greenlet's `switch`: two tasks that pass control, and a value, back and
//! forth.
//!
//! [`pair`] makes two connected ends. [`Switch::switch`] hands a value to
//! the other end, which runs next, and waits until it switches back.
//! [`Switch::recv`] waits to be switched into; it is how a task starts.
//! Each direction is a rendezvous [`Channel`], so a switch is a put that
//! hands off straight to the waiting getter.
//!
//! # Examples
//!
//! greenlet's own example, which prints 12, 56, 34, 78:
//!
//! ```
//! use grove::switch;
//!
//! grove::run(async {
//!     let (to_test2, from_test1) = switch::pair::<()>();
//!     let test1 = grove::spawn(async move {
//!         println!("12");
//!         to_test2.switch(()).await.unwrap();
//!         println!("34");
//!         // test2 ends instead of switching back: this end learns it is dead.
//!         assert!(to_test2.switch(()).await.is_err());
//!     });
//!     let test2 = grove::spawn(async move {
//!         from_test1.recv().await.unwrap();
//!         println!("56");
//!         from_test1.switch(()).await.unwrap();
//!         println!("78");
//!     });
//!     grove::joinall([test1, test2]).await;
//! });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::queue::{Channel, Get, Put, Rendezvous};

/// Makes the two ends of a switch.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let (a, b) = grove::switch::pair();
///     let echo = grove::spawn(async move {
///         let n: i32 = b.recv().await.unwrap();
///         b.switch(n * 2).await
///     });
///     assert_eq!(a.switch(21).await, Ok(42));
///     drop(a);
///     assert!(echo.await.unwrap().is_err());
/// });
/// ```
pub fn pair<T>() -> (Switch<T>, Switch<T>) {
    let (a_to_b, b_to_a) = (Channel::new(), Channel::new());
    (
        Switch {
            inbox: b_to_a.clone(),
            outbox: a_to_b.clone(),
        },
        Switch {
            inbox: a_to_b,
            outbox: b_to_a,
        },
    )
}

/// One end of a switch pair. Dropping it (its task finished) makes the
/// other end's pending and later switches return [`Dead`].
///
/// # Examples
///
/// ```
/// let (a, b): (grove::switch::Switch<u8>, _) = grove::switch::pair();
/// # drop((a, b));
/// ```
pub struct Switch<T> {
    /// Values switched into this end.
    inbox: Channel<T>,
    /// Values this end switches to the other.
    outbox: Channel<T>,
}

impl<T> Switch<T> {
    /// Hands `value` to the other end, which runs next, and waits until it
    /// switches back; returns the value it sends back.
    ///
    /// # Errors
    /// [`Dead`] if the other end is gone, before or while waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, b) = grove::switch::pair();
    ///     let other = grove::spawn(async move {
    ///         let got = b.recv().await.unwrap();
    ///         b.switch(got + 1).await.ok();
    ///     });
    ///     assert_eq!(a.switch(1).await, Ok(2));
    ///     drop(a);
    ///     other.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropped before the other end took the value, it is as if the switch
    /// never happened. Dropped after, the other end has the value; whatever
    /// it switches back waits for this end's next `recv`.
    pub fn switch(&self, value: T) -> SwitchTo<'_, T> {
        SwitchTo {
            put: Some(self.outbox.put(value)),
            get: self.inbox.get(),
        }
    }

    /// Waits to be switched into, and returns the value sent.
    ///
    /// # Errors
    /// [`Dead`] if the other end is gone and sent nothing more.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let (a, b) = grove::switch::pair::<&str>();
    ///     let starter = grove::spawn(async move { a.switch("start").await });
    ///     assert_eq!(b.recv().await, Ok("start"));
    ///     drop(b);
    ///     assert!(starter.await.unwrap().is_err());
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// No value is lost: one handed over as the future is dropped waits for
    /// the next `recv`.
    pub async fn recv(&self) -> Result<T, Dead> {
        self.inbox.get().await.map_err(|_| Dead(()))
    }
}

impl<T> Drop for Switch<T> {
    fn drop(&mut self) {
        self.inbox.close();
        self.outbox.close();
    }
}

impl<T> fmt::Debug for Switch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Switch")
            .field("dead", &self.outbox.is_closed())
            .finish()
    }
}

/// The future of [`Switch::switch`]: the value's put into the other end,
/// then the get of what it switches back. Written out by hand rather than as
/// an `async fn`, because every hop of a switch ping-pong pays for it.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let (a, b) = grove::switch::pair();
///     let other = grove::spawn(async move {
///         let n: u32 = b.recv().await.unwrap();
///         b.switch(n + 1).await.ok();
///     });
///     let switching: grove::switch::SwitchTo<'_, u32> = a.switch(1);
///     assert_eq!(switching.await, Ok(2));
///     drop(a);
///     other.await.unwrap();
/// });
/// ```
///
/// # Cancel safety
///
/// As for [`Switch::switch`]: dropped before the other end took the value,
/// it is as if the switch never happened; dropped after, the value the
/// other end switches back waits for this end's next `recv`.
#[must_use = "futures do nothing unless awaited"]
pub struct SwitchTo<'a, T> {
    /// The put of the value, until the other end has it.
    put: Option<Put<'a, T, Rendezvous>>,
    /// The wait for the value switched back.
    get: Get<'a, T, Rendezvous>,
}

impl<T> Future for SwitchTo<'_, T> {
    type Output = Result<T, Dead>;

    // The hop path: see `runtime/wait/mod.rs`.
    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Dead>> {
        let this = &mut *self;
        if let Some(put) = &mut this.put {
            let sent = ready!(Pin::new(put).poll(cx));
            this.put = None;
            if sent.is_err() {
                return Poll::Ready(Err(Dead(())));
            }
        }
        Pin::new(&mut this.get).poll(cx).map(|got| got.map_err(|_| Dead(())))
    }
}

impl<T> fmt::Debug for SwitchTo<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwitchTo").field("sent", &self.put.is_none()).finish()
    }
}

/// The other end of a switch is gone: its task finished (or dropped it).
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let (a, b) = grove::switch::pair::<()>();
///     drop(b);
///     assert_eq!(a.switch(()).await, Err(grove::switch::Dead::default()));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dead(());

impl fmt::Display for Dead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the other end of the switch is gone")
    }
}

impl std::error::Error for Dead {}
