#!/usr/bin/env bash
# C10k with idle timeouts: 10,000 connections to an echo server, each
# sending 64 bytes every 400 ms for 20 s (25,000 messages/s). The server
# holds a 5 s read timeout per connection that every message resets, and a
# 1 KiB write buffer per connection. The servers, each alone in turn:
#   - grove: examples/echo.rs --idle-timeout 5 --quiet;
#   - tokio current_thread: examples/peers/echo_tokio.rs;
#   - smol's LocalExecutor: examples/peers/echo_smol.rs;
#   - gevent's StreamServer: benches/c10k/echo_gevent.py (in a venv under
#     target/, with gevent from pip).
# The client is one program on tokio's current-thread runtime
# (benches/c10k/client.rs), the same for every server, in its own process
# beside the server on this machine; each raises its descriptor soft limit
# to the hard one (it must allow 10,000 plus some for each).
#
# Figures, over the 20 s once every connection is open
# (benches/c10k/harness.py): the server's CPU time per message (user and
# system, all threads) and its user-space part, its resident memory per
# connection (with all of them open, less before the first), the client's
# p99 round trip, the client's own CPU use and the machine's steal time.
# Each cell is the median of ROUNDS interleaved rounds, with the lowest and
# highest. Logs are left in target/c10k-bench/.
#
# Usage: benches/c10k.sh
# Settings (environment): ROUNDS=3 CONNECTIONS=10000 INTERVAL_MS=400
# SECONDS_=20 IDLE=5 ADDR=127.0.0.1:17400 GEVENT=1 (0 skips gevent)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export ROUNDS=${ROUNDS:-3}
export CONNECTIONS=${CONNECTIONS:-10000}
export INTERVAL_MS=${INTERVAL_MS:-400}
export SECONDS_=${SECONDS_:-20}
export IDLE=${IDLE:-5}
export ADDR=${ADDR:-127.0.0.1:17400}
export OUT=$PWD/target/c10k-bench
mkdir -p "$OUT"

log() { echo "c10k.sh: $*" >&2; }

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((CONNECTIONS + 64)) ]; then
    log "the hard descriptor limit ($hard) is below $CONNECTIONS connections; set CONNECTIONS lower"
    exit 1
fi

if [ "${GEVENT:-1}" = 1 ]; then
    # A missing venv module or pip failure skips the row, not the bench.
    if { [ -x "$OUT/venv/bin/python" ] || python3 -m venv "$OUT/venv" >&2; } &&
        { "$OUT/venv/bin/python" -c 'import gevent' 2>/dev/null || "$OUT/venv/bin/pip" install -q gevent >&2; }; then
        export GEVENT_PYTHON=$OUT/venv/bin/python GEVENT_SERVER=$PWD/benches/c10k/echo_gevent.py
    else
        log "gevent could not be installed: its row is skipped"
    fi
fi

cargo build --release --example echo --example echo_tokio --example echo_smol --example c10k_client >&2
export BINS=$PWD/target/release/examples CLIENT=$PWD/target/release/examples/c10k_client
python3 benches/c10k/harness.py
