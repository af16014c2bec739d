//! OS threads + ureq: `concurrency` threads, each with its own agent (and
//! so its own connections), taking URLs from a shared counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ureq::tls::{Certificate, RootCerts, TlsConfig};

fn main() {
    let args = fetch_peers::args();
    let pem = std::fs::read(&args.ca).expect("the CA file");
    let ca = Certificate::from_pem(&pem).expect("a PEM CA").to_owned();
    let roots = RootCerts::new_with_certs(&[ca]);
    let urls = Arc::new(args.urls);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (urls, next, roots) = (urls.clone(), next.clone(), roots.clone());
            std::thread::spawn(move || {
                let tls = TlsConfig::builder().root_certs(roots).build();
                let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls).build().into();
                let (mut pages, mut failed, mut bytes) = (0, 0, 0);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    match agent.get(url).call().and_then(|mut r| r.body_mut().read_to_vec()) {
                        Ok(body) => {
                            pages += 1;
                            bytes += body.len();
                        }
                        Err(e) => {
                            if failed == 0 {
                                eprintln!("a failure: {e}");
                            }
                            failed += 1;
                        }
                    }
                }
                (pages, failed, bytes)
            })
        })
        .collect();
    let (mut pages, mut failed, mut bytes) = (0, 0, 0);
    for thread in threads {
        let (p, f, b) = thread.join().expect("a fetch thread panicked");
        pages += p;
        failed += f;
        bytes += b;
    }
    fetch_peers::report(pages, failed, bytes, started.elapsed());
}
