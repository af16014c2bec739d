//! The pages of the local server: each page number has a known size and
//! content, so the client can check every byte it receives.

/// The size of page `n`: from 1 KiB to 33 KiB, different for neighbours.
pub fn size(n: u32) -> usize {
    1024 + (n as usize * 7919) % 32768
}

/// The body of page `n`: `size(n)` pseudo-random bytes seeded by `n`.
pub fn body(n: u32) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(n);
    (0..size(n))
        .map(|_| {
            // xorshift64: cheap, and every page differs.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// FNV-1a over `bytes`.
pub fn checksum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0x811c_9dc5, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Whether `received` is exactly page `n`.
pub fn verify(n: u32, received: &[u8]) -> bool {
    received.len() == size(n) && checksum(received) == checksum(&body(n))
}

/// The page number of a URL ending in `/page/N`.
pub fn number(url: &str) -> Option<u32> {
    url.rsplit_once("/page/")?.1.parse().ok()
}

/// How the local server sends page `n`, so that one run meets them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// With `Content-Length`.
    Plain,
    /// gzip-encoded.
    Gzip,
    /// deflate-encoded.
    Deflate,
    /// Without a length: chunked over HTTP/1.1.
    Chunked,
    /// A redirect to `/moved/N`, with the given status.
    Redirect(u16),
}

impl Kind {
    pub fn of(n: u32) -> Kind {
        let round = n / 4;
        match n % 4 {
            0 => Kind::Plain,
            1 if round % 2 == 0 => Kind::Gzip,
            1 => Kind::Deflate,
            2 => Kind::Chunked,
            _ => Kind::Redirect([301, 302, 303, 307, 308][(round % 5) as usize]),
        }
    }
}

/// Whether the local-mode URL of page `n` is https; the mix of kinds goes
/// over both schemes.
pub fn over_https(n: u32) -> bool {
    (n / 8) % 2 == 1
}
