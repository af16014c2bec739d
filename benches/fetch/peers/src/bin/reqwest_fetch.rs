//! tokio current_thread + reqwest, as its docs suggest: one `Client` (its
//! own connection pool), `buffer_unordered(concurrency)`.

use std::time::Instant;

use futures::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = fetch_peers::args();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&args.ca).expect("the CA file")).expect("a PEM CA");
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .expect("a client");
    let started = Instant::now();
    let results: Vec<Result<usize, reqwest::Error>> = futures::stream::iter(args.urls)
        .map(|url| {
            let client = client.clone();
            async move {
                let response = client.get(&url).send().await?.error_for_status()?;
                Ok(response.bytes().await?.len())
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let bytes: usize = results.iter().filter_map(|r| r.as_ref().ok()).sum();
    let failed = results.iter().filter(|r| r.is_err()).count();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("first failure: {e}");
    }
    fetch_peers::report(results.len() - failed, failed, bytes, started.elapsed());
}
