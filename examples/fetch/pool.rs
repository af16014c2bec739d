//! A small pool of connections per origin, on hyper's `client::conn`.
//!
//! Each origin has `per_origin` tokens in a LIFO queue. A token is either
//! free (no connection behind it) or an idle connection. A request takes
//! one, waiting in line when all are out, so that no more than
//! `per_origin` connections are ever open to one origin. It gives the
//! token back when done: with its connection if that can serve again,
//! free otherwise. LIFO order reuses the most recently used connection,
//! the one least likely to have been closed by the server.
//!
//! An HTTP/2 connection carries many requests at once: its token goes
//! back to the queue at once, and each request takes a handle on it. Since
//! an https origin may speak HTTP/2, which needs one connection only, its
//! other tokens are held back until the first connection has told which
//! protocol the origin speaks; over HTTP/1.1 they are then let go.
//!
//! An idle connection is closed once it has been idle for `idle_timeout`:
//! by the request that finds it stale, or by a sweeper task that runs for
//! the origin while it has idle connections.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use grove::queue::LifoQueue;

use crate::connect::{Connector, Origin, Sender};
use crate::error::FetchError;

enum Token {
    Free,
    Idle(Sender, Instant),
}

/// The tokens of one origin.
struct Tokens {
    queue: LifoQueue<Token>,
    /// Free tokens not yet in the queue; see the module docs.
    held_back: Cell<usize>,
    idle_timeout: Duration,
    /// Whether a task is closing this origin's idle connections as they
    /// expire.
    sweeping: Cell<bool>,
}

impl Tokens {
    /// Returns `token` to the queue; an idle connection starts the sweeper,
    /// if it is not running, so that it is closed once it has been idle
    /// for the timeout even if no request comes for this origin again.
    fn give_back(self: &Rc<Tokens>, token: Token) {
        let idle = matches!(token, Token::Idle(..));
        self.queue.try_put(token).expect("unbounded");
        if idle && !self.sweeping.replace(true) {
            grove::spawn(sweep(self.clone()));
        }
    }

    fn is_fresh(&self, sender: &Sender, since: Instant) -> bool {
        !sender.is_closed() && since.elapsed() < self.idle_timeout
    }
}

/// Every `idle_timeout`, closes the origin's connections that have been
/// idle that long (their tokens become free), until none is left idle.
async fn sweep(tokens: Rc<Tokens>) {
    loop {
        grove::sleep(tokens.idle_timeout).await;
        // Taken out and put back in one go, with no await between: no
        // waiter can see the queue in between, and the LIFO order stays.
        let mut all = Vec::new();
        while let Ok(token) = tokens.queue.try_get() {
            all.push(token);
        }
        let mut any_idle = false;
        for token in all.into_iter().rev() {
            let token = match token {
                Token::Idle(sender, since) if tokens.is_fresh(&sender, since) => Token::Idle(sender, since),
                // Dropping the sender closes an idle connection.
                Token::Idle(..) | Token::Free => Token::Free,
            };
            any_idle |= matches!(token, Token::Idle(..));
            tokens.queue.try_put(token).expect("unbounded");
        }
        if !any_idle {
            tokens.sweeping.set(false);
            return;
        }
    }
}

/// The pool of every origin.
pub struct Pool {
    origins: RefCell<HashMap<Origin, Rc<Tokens>>>,
    per_origin: usize,
    idle_timeout: Duration,
    reused: Cell<u64>,
}

/// A connection lent to one request. Dropped, it returns its token: with
/// the connection if [`Lease::keep`] was called, free otherwise.
pub struct Lease {
    /// The origin's tokens, while this lease holds one (never for HTTP/2).
    tokens: Option<Rc<Tokens>>,
    sender: Option<Sender>,
    keep: bool,
    /// Whether the connection served an earlier request.
    pub reused: bool,
}

impl Pool {
    /// At most `per_origin` connections per origin; each closed once idle
    /// for `idle_timeout`.
    pub fn new(per_origin: usize, idle_timeout: Duration) -> Pool {
        Pool {
            origins: RefCell::default(),
            per_origin: per_origin.max(1),
            idle_timeout,
            reused: Cell::new(0),
        }
    }

    /// How many requests went over a connection that was already open.
    pub fn reused(&self) -> u64 {
        self.reused.get()
    }

    fn tokens(&self, origin: &Origin) -> Rc<Tokens> {
        let mut origins = self.origins.borrow_mut();
        let tokens = origins.entry(origin.clone()).or_insert_with(|| {
            let free_now = if origin.tls { 1 } else { self.per_origin };
            let tokens = Rc::new(Tokens {
                queue: LifoQueue::new(),
                held_back: Cell::new(self.per_origin - free_now),
                idle_timeout: self.idle_timeout,
                sweeping: Cell::new(false),
            });
            (0..free_now).for_each(|_| tokens.give_back(Token::Free));
            tokens
        });
        tokens.clone()
    }

    /// A connection to `origin`: an idle one if there is one, a new one if
    /// a token is free, or else the first that comes back.
    ///
    /// Cancel safety: the queue loses no token to a dropped `get`, and a
    /// token taken is held by the lease from then on.
    pub async fn checkout(&self, origin: &Origin, connector: &Connector) -> Result<Lease, FetchError> {
        let tokens = self.tokens(origin);
        let token = tokens.queue.get().await.expect("the pool never closes its queues");
        let fresh = matches!(&token, Token::Idle(sender, since) if tokens.is_fresh(sender, *since));
        let mut lease = Lease {
            tokens: Some(tokens),
            sender: None,
            keep: false,
            reused: false,
        };
        match token {
            Token::Idle(sender, _) if fresh => {
                self.reused.set(self.reused.get() + 1);
                lease.reused = true;
                lease.share_if_h2(sender);
                Ok(lease)
            }
            // A dead or stale connection: its token is free now.
            Token::Idle(..) | Token::Free => {
                self.connect(&mut lease, origin, connector).await?;
                Ok(lease)
            }
        }
    }

    /// Replaces the lease's connection, which failed, with a new one.
    pub async fn reconnect(&self, lease: &mut Lease, origin: &Origin, connector: &Connector) -> Result<(), FetchError> {
        if lease.tokens.is_none() {
            // An HTTP/2 handle holds no token: check out again, which
            // replaces the shared connection if it is closed.
            *lease = self.checkout(origin, connector).await?;
            return Ok(());
        }
        lease.sender = None;
        lease.reused = false;
        self.connect(lease, origin, connector).await
    }

    async fn connect(&self, lease: &mut Lease, origin: &Origin, connector: &Connector) -> Result<(), FetchError> {
        // A failed connect drops nothing but the error: the lease still
        // holds the token, and gives it back free.
        // Boxed: connecting (DNS, TCP, TLS, the handshake) takes a future
        // of some 7.5 KB, which would otherwise sit in every fetch task's
        // state, and be copied with it, for a step most requests skip.
        let sender = Box::pin(connector.connect(origin)).await?;
        if !sender.is_h2() {
            // HTTP/1.1: one request per connection, so the origin may have
            // all its connections.
            let tokens = lease.tokens.as_ref().expect("a connecting lease holds a token");
            (0..tokens.held_back.replace(0)).for_each(|_| tokens.give_back(Token::Free));
        }
        lease.share_if_h2(sender);
        Ok(())
    }
}

impl Lease {
    /// Holds `sender`; an HTTP/2 connection goes straight back to the
    /// queue for other requests to share, and this lease keeps a handle.
    fn share_if_h2(&mut self, sender: Sender) {
        if let Some(handle) = sender.clone_h2() {
            let tokens = self.tokens.take().expect("a lease takes a token first");
            tokens.give_back(Token::Idle(sender, Instant::now()));
            self.sender = Some(handle);
        } else {
            self.sender = Some(sender);
        }
    }

    pub fn sender(&mut self) -> &mut Sender {
        self.sender.as_mut().expect("a lease has a connection once checked out")
    }

    /// The response was read to its end: the connection can serve again.
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(tokens) = self.tokens.take() {
            let token = match self.sender.take() {
                Some(sender) if self.keep && !sender.is_closed() => Token::Idle(sender, Instant::now()),
                _ => Token::Free,
            };
            tokens.give_back(token);
        }
    }
}
