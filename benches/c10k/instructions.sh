#!/usr/bin/env bash
# The C10k echo servers' own user-space cost, counted rather than timed:
# each server (grove, tokio current_thread, smol) runs under callgrind with
# its instrumentation off until the client (benches/c10k/client.rs) has
# opened every connection, on while it talks, and off again when it is
# done (the client starts talking only once counting is on). The figure
# is instructions per echoed message, and its ratio to
# tokio's. Under callgrind a server runs some 50 times slower, so this
# uses 1,000 connections (2,500 messages/s) for 10 s.
#
# Usage: benches/c10k/instructions.sh   (valgrind is installed if missing)
# Settings (environment): CONNECTIONS=1000 SECONDS_=10 ADDR=127.0.0.1:17500
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CONNECTIONS=${CONNECTIONS:-1000}
SECONDS_=${SECONDS_:-10}
ADDR=${ADDR:-127.0.0.1:17500}
OUT=$PWD/target/c10k-bench/callgrind
mkdir -p "$OUT"

if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); else apt=(sudo apt-get); fi
    "${apt[@]}" install -y valgrind >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install -y valgrind >&2; }
fi
cargo build --release --example echo --example echo_tokio --example echo_smol --example c10k_client >&2
bin=target/release/examples

# Waits for line $1 in the client's report $4; fails if client $2 ends
# first (and stops server $3).
await_line() {
    until grep -q "$1" "$4"; do
        if ! kill -0 "$2" 2>/dev/null; then
            echo "instructions.sh: the client ended before $1; see $4" >&2
            kill -9 "$3" 2>/dev/null
            exit 1
        fi
        sleep 0.05
    done
}

# Runs server $1 (a name) as the command that follows, and prints its
# instructions per message.
count() {
    local name=$1
    shift
    rm -f "$OUT/$name".*
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/$name.%p" "$@" 2>"$OUT/$name.log" &
    local server=$!
    local ready=0
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null; then ready=1; break; fi
        sleep 0.2
    done
    [ $ready = 1 ] || { echo "instructions.sh: $name did not listen; see $OUT/$name.log" >&2; kill -9 $server; exit 1; }
    local report=$OUT/$name.client
    mkfifo "$OUT/$name.hold"
    "$bin/c10k_client" "$ADDR" --connections "$CONNECTIONS" --seconds "$SECONDS_" --go-on-stdin \
        <"$OUT/$name.hold" >"$report" &
    local client=$!
    exec 4>"$OUT/$name.hold"
    await_line READY $client $server "$report"
    callgrind_control -i on $server >/dev/null
    echo go >&4
    await_line DONE $client $server "$report"
    callgrind_control -i off $server >/dev/null
    callgrind_control -d $server >/dev/null
    exec 4>&-
    wait $client
    kill -9 $server 2>/dev/null || true
    wait $server 2>/dev/null || true
    rm -f "$OUT/$name.hold"
    local messages instructions
    messages=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' "$report")
    instructions=$(grep -h '^totals:' "$OUT/$name".*.1 | awk '{print $2}')
    echo "$name $messages $instructions"
}

{
    count grove "$bin/echo" "$ADDR" --idle-timeout 5 --quiet
    count tokio "$bin/echo_tokio" "$ADDR" --idle-timeout 5
    count smol "$bin/echo_smol" "$ADDR" --idle-timeout 5
} | awk -v conns="$CONNECTIONS" -v secs="$SECONDS_" '
    { name[NR] = $1; per[NR] = $3 / $2; if ($1 == "tokio") base = per[NR] }
    END {
        printf "\n### C10k echo, user-space instructions per message (callgrind, %d connections, %d s)\n\n", conns, secs
        print "| server | instructions per message | vs tokio |"
        print "|---|---:|---:|"
        for (i = 1; i <= NR; i++) printf "| %s | %.0f | %.2fx |\n", name[i], per[i], per[i] / base
    }'
