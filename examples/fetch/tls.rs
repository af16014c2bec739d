//! TLS for both ends: the client trusts webpki-roots (Mozilla's roots,
//! built in, the same everywhere and offline) plus any `--ca` file; the
//! local server gets a certificate made at start. rustls runs on *ring*.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// ALPN: HTTP/2 when the server speaks it, else HTTP/1.1.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the PEM certificates of `--ca FILE`.
pub fn read_ca_file(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no PEM certificate in it", path.display()),
        ));
    }
    Ok(certs)
}

/// The client's configuration: webpki-roots and `extra` roots, SNI and
/// hostname verification on (rustls' defaults), ALPN h2 then http/1.1.
pub fn client_config(extra: &[CertificateDer<'static>]) -> io::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra {
        roots
            .add(cert.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A certificate authority made for this run, and a certificate it signed
/// for `localhost` and 127.0.0.1.
pub struct LocalCerts {
    /// The CA's certificate: what a client must trust.
    pub ca: CertificateDer<'static>,
    server: Arc<rustls::ServerConfig>,
}

impl LocalCerts {
    pub fn generate() -> io::Result<LocalCerts> {
        let fail = |e: rcgen::Error| io::Error::other(format!("cannot make the local certificate: {e}"));
        let ca_key = rcgen::KeyPair::generate().map_err(fail)?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "grove fetch example CA");
        let ca = ca_params.self_signed(&ca_key).map_err(fail)?;

        let key = rcgen::KeyPair::generate().map_err(fail)?;
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).map_err(fail)?;
        let cert = params.signed_by(&key, &ca, &ca_key).map_err(fail)?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut server = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone(), ca.der().clone()], key)
            .map_err(io::Error::other)?;
        server.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
        Ok(LocalCerts {
            ca: ca.der().clone(),
            server: Arc::new(server),
        })
    }

    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server.clone()
    }
}
