#!/usr/bin/env bash
# ThreadSanitizer over the tests whose code crosses threads: wakers used on
# other threads, Handle::spawn, the runtime table, the blocking pool, I/O
# sources written or dropped on other threads.
#
#   bash tests/tsan.sh
#
# Run it before each release; it is not in .ci/run, since std must be built
# with the sanitizer too (-Zbuild-std), which takes minutes. `--cfg
# grove_tsan` swaps the one fence in the task cell's reference count for a
# load that TSan understands (see src/runtime/task/refs.rs), so the run is
# clean without suppressions. Needs the nightly toolchain with rust-src,
# installed here if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component list --toolchain nightly --installed 2>/dev/null | grep -q rust-src ||
    rustup component add --toolchain nightly rust-src

target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Zsanitizer=thread --cfg grove_tsan"
export RUSTDOCFLAGS="$RUSTFLAGS"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
export CARGO_TARGET_DIR=target/tsan
cargo +nightly test -Zbuild-std --target "$target" --all-features \
    --lib --test wakers --test runtime --test blocking --test threadpool --test miri --test foreign_executor --test reactor -- --test-threads=2
