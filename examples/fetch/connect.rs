//! Opening a connection to an origin: DNS, TCP, TLS with ALPN, and hyper's
//! handshake for HTTP/1.1 or HTTP/2.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use futures::{AsyncRead, AsyncWrite};
use grove::compat::hyper::{GroveExecutor, GroveTimer, HyperIo};
use grove::net::TcpStream;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::{Request, Response};
use rustls::pki_types::ServerName;
use url::{Host, Url};

use crate::error::FetchError;

/// Where a connection goes: scheme, host and port. Connections are pooled
/// per origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub tls: bool,
    pub host: Host<String>,
    pub port: u16,
}

impl Origin {
    /// The origin of `url`, which must be http or https.
    pub fn of(url: &Url) -> Result<Origin, FetchError> {
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(FetchError::UnsupportedScheme(other.to_owned())),
        };
        let host = url
            .host()
            .ok_or_else(|| FetchError::BadUrl(format!("{url} has no host")))?;
        let port = url.port_or_known_default().expect("http and https have default ports");
        Ok(Origin {
            tls,
            host: host.to_owned(),
            port,
        })
    }
}

/// A connection's request side: HTTP/1.1 carries one request at a time,
/// HTTP/2 many at once over one connection.
pub enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    /// Whether the connection is gone (closed by the server, or failed).
    pub fn is_closed(&self) -> bool {
        match self {
            Sender::H1(sender) => sender.is_closed(),
            Sender::H2(sender) => sender.is_closed(),
        }
    }

    pub fn is_h2(&self) -> bool {
        matches!(self, Sender::H2(_))
    }

    /// Sends `request` once the connection can take it.
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<Response<Incoming>, hyper::Error> {
        match self {
            Sender::H1(sender) => {
                sender.ready().await?;
                sender.send_request(request).await
            }
            Sender::H2(sender) => {
                sender.ready().await?;
                sender.send_request(request).await
            }
        }
    }

    /// Another handle on an HTTP/2 connection.
    pub fn clone_h2(&self) -> Option<Sender> {
        match self {
            Sender::H2(sender) => Some(Sender::H2(sender.clone())),
            Sender::H1(_) => None,
        }
    }
}

/// Counts of what the connector did.
#[derive(Debug, Default)]
pub struct ConnectStats {
    pub opened: Cell<u64>,
    pub handshakes: Cell<u64>,
}

/// Opens connections, with TLS where the origin is https.
pub struct Connector {
    tls: futures_rustls::TlsConnector,
    /// The most a response head may take up.
    max_head: usize,
    pub stats: Rc<ConnectStats>,
}

impl Connector {
    /// `tls` should offer ALPN `h2` and `http/1.1`.
    pub fn new(tls: Arc<rustls::ClientConfig>, max_head: usize) -> Connector {
        Connector {
            tls: tls.into(),
            max_head,
            stats: Rc::default(),
        }
    }

    /// A new connection to `origin`, handshaken and ready for requests.
    pub async fn connect(&self, origin: &Origin) -> Result<Sender, FetchError> {
        let host = origin.host.to_string();
        let addrs: Vec<SocketAddr> = match &origin.host {
            Host::Domain(name) => grove::net::lookup_host((name.as_str(), origin.port))
                .await
                .map_err(|error| FetchError::Resolve {
                    host: name.clone(),
                    error,
                })?,
            Host::Ipv4(ip) => vec![SocketAddr::new((*ip).into(), origin.port)],
            Host::Ipv6(ip) => vec![SocketAddr::new((*ip).into(), origin.port)],
        };
        let tcp = TcpStream::connect(addrs.as_slice())
            .await
            .map_err(|error| FetchError::Connect {
                host: format!("{host}:{}", origin.port),
                error,
            })?;
        // Requests are small and go out whole: do not hold them back.
        let _ = tcp.set_nodelay(true);
        self.stats.opened.set(self.stats.opened.get() + 1);
        if !origin.tls {
            return self.handshake(tcp, false).await;
        }
        let name = match &origin.host {
            Host::Domain(name) => ServerName::try_from(name.clone()).map_err(|e| FetchError::BadUrl(e.to_string()))?,
            Host::Ipv4(ip) => ServerName::IpAddress((*ip).into()),
            Host::Ipv6(ip) => ServerName::IpAddress((*ip).into()),
        };
        let tls = self.tls.connect(name, tcp).await.map_err(FetchError::Tls)?;
        self.stats.handshakes.set(self.stats.handshakes.get() + 1);
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        self.handshake(tls, h2).await
    }

    /// hyper's client handshake over `io`; the connection's driver becomes
    /// a task of its own, which ends when the connection does.
    async fn handshake<T>(&self, io: T, h2: bool) -> Result<Sender, FetchError>
    where
        T: AsyncRead + AsyncWrite + Unpin + 'static,
    {
        let io = HyperIo::new(io);
        if h2 {
            let (sender, connection) = http2::Builder::new(GroveExecutor)
                .timer(GroveTimer)
                .max_header_list_size(u32::try_from(self.max_head).unwrap_or(u32::MAX))
                .handshake(io)
                .await
                .map_err(FetchError::Http)?;
            grove::spawn(connection);
            Ok(Sender::H2(sender))
        } else {
            let (sender, connection) = http1::Builder::new()
                // hyper's floor for its read buffer.
                .max_buf_size(self.max_head.max(8192))
                .handshake(io)
                .await
                .map_err(FetchError::Http)?;
            grove::spawn(connection);
            Ok(Sender::H1(sender))
        }
    }
}
