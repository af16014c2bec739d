#!/usr/bin/env bash
# The wrk benchmark of examples/hello_http/: the same keep-alive "Hello,
# world!" HTTP/1.1 server on grove, on tokio's current-thread runtime
# (examples/peers/hello_http_tokio.rs), as thread-per-connection on std::net
# (examples/peers/hello_http_threads.rs) and, when gevent can be installed, on
# gevent's StreamServer (benches/http/hello_gevent.py); then hyper 1.x
# serving the same answer on grove (examples/hyper_server.rs) and on tokio
# current_thread (examples/peers/hyper_server_tokio.rs).
#
# Each server runs alone on its own port of 127.0.0.1: a warm-up, then
# `wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency`. The script prints a
# markdown table of requests/s, the ratio to grove and the p99 latency, and
# leaves wrk's full outputs and the servers' logs in target/http-bench/.
#
# It also measures where the CPU goes during each measured run: the server's
# user and system time (fields 14 and 15 of /proc/PID/stat, all threads), per
# request, and wrk's own CPU use (bash's `time`). When wrk uses a whole core,
# requests/s measures wrk, not the server: the CPU-per-request columns then
# tell the servers apart.
#
# The last two rows use both cores: `hello_http --threads 2` (two grove
# runtimes, one per core, each with its own SO_REUSEPORT listener) against
# the same server on tokio's multi-thread runtime with two workers. wrk
# shares those two cores, so these rows measure the machine as much as the
# servers.
#
# Usage: benches/http.sh
# Settings (environment): DURATION=10s ROUNDS=3 WARMUP=2s THREADS=1 CONNECTIONS=64
# SERVERS=REGEX (only the rows whose name matches, e.g. SERVERS='2 ')
# BASE_PORT=18080 (the servers listen on BASE_PORT, BASE_PORT+1, ...).
#
# Installs wrk with apt-get if it is missing, and gevent with pip if python3
# is present and gevent is not importable yet.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-64}
BASE_PORT=${BASE_PORT:-18080}
OUT=target/http-bench

log() { echo "http.sh: $*" >&2; }

# --- wrk -------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    log "wrk not found, installing it with apt-get"
    if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); else apt=(sudo apt-get); fi
    if ! "${apt[@]}" install -y wrk >&2; then
        "${apt[@]}" update >&2
        "${apt[@]}" install -y wrk >&2
    fi
fi

# --- gevent ----------------------------------------------------------------
gevent_note=""
python=""
if command -v python3 >/dev/null; then
    if python3 -c 'import gevent' 2>/dev/null; then
        python=python3
    else
        log "gevent not importable, trying pip install gevent"
        if python3 -m pip install gevent >&2 && python3 -c 'import gevent' 2>/dev/null; then
            python=python3
        else
            gevent_note="gevent row skipped: \`pip install gevent\` failed."
        fi
    fi
else
    gevent_note="gevent row skipped: no python3."
fi

# --- build -----------------------------------------------------------------
cargo build --release --features hyper --example hello_http --example hello_http_tokio --example hello_http_threads \
    --example hyper_server --example hyper_server_tokio
bin=target/release/examples

# --- servers ---------------------------------------------------------------
# name|command (the listen address is appended)
servers=(
    "grove|$bin/hello_http"
    "tokio current_thread|$bin/hello_http_tokio"
    "threads (std::net)|$bin/hello_http_threads"
    "hyper on grove|$bin/hyper_server"
    "hyper on tokio current_thread|$bin/hyper_server_tokio"
    "grove, 2 runtimes (per_core)|$bin/hello_http --threads 2"
    "tokio multi_thread, 2 workers|$bin/hello_http_tokio --threads 2"
)
if [ -n "$python" ]; then
    servers+=("gevent StreamServer|$python benches/http/hello_gevent.py")
fi
if [ -n "${SERVERS:-}" ]; then
    kept=()
    for entry in "${servers[@]}"; do
        if echo "${entry%%|*}" | grep -Eq "$SERVERS"; then kept+=("$entry"); fi
    done
    servers=("${kept[@]}")
fi

server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Whether something answers HTTP on 127.0.0.1:$1.
answers() {
    if command -v curl >/dev/null; then
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

mkdir -p "$OUT"
wrk_cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency http://127.0.0.1:PORT/"
# Per server (by index): the requests/s, p99, server CPU per request (µs),
# its user-space share (%) and wrk's CPU (% of one core) of every round, and
# notes.
names=() rps=() p99=() cpu=() user=() wrkcpu=() notes=() info=()
for entry in "${servers[@]}"; do
    names+=("${entry%%|*}") rps+=("") p99+=("") cpu+=("") user+=("") wrkcpu+=("") notes+=("")
done

hz=$(getconf CLK_TCK)
# The user and system time of process $1 so far, in clock ticks. The fields
# are counted after the command name, which may hold spaces.
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'; }
# wrk's duration in seconds, from e.g. 10s, 2m or 500ms.
duration_s=$(awk -v d="$DURATION" 'BEGIN {
    v = d + 0
    if (d ~ /ms$/) v /= 1000; else if (d ~ /m$/) v *= 60; else if (d ~ /h$/) v *= 3600
    print v
}')

# Rounds run the servers in turn, so that a slow spell of the machine hits
# them all; the table shows each server's median round.
for round in $(seq "$ROUNDS"); do
port=$BASE_PORT
for idx in "${!servers[@]}"; do
    entry=${servers[$idx]}
    name=${entry%%|*}
    cmd=${entry#*|}
    slug=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')
    url="http://127.0.0.1:$port/"
    note=""
    log "round $round/$ROUNDS, $name: $cmd 127.0.0.1:$port"

    # shellcheck disable=SC2086 # $cmd is a command and its arguments
    $cmd "127.0.0.1:$port" 2>"$OUT/$slug.log" &
    server_pid=$!
    for _ in $(seq 100); do
        if answers "$port"; then break; fi
        if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if ! answers "$port"; then
        log "$name did not answer on $url, see $OUT/$slug.log"
        cleanup
        notes[idx]+="did not start in round $round; "
        port=$((port + 1))
        continue
    fi
    if command -v curl >/dev/null && [ "$(curl -s "$url")" != "Hello, world!" ]; then
        note+="unexpected body; "
    fi

    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null || note+="warm-up wrk failed; "
    status=0
    read -r user0 sys0 < <(ticks "$server_pid")
    TIMEFORMAT='%U %S'
    { time wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$OUT/$slug.wrk"; } \
        2>"$OUT/$slug.time" || status=$?
    if kill -0 "$server_pid" 2>/dev/null; then
        read -r user1 sys1 < <(ticks "$server_pid")
    else
        note+="server exited during the run; "
        user1=$user0 sys1=$sys0
    fi
    cleanup
    cat "$OUT/$slug.wrk" >&2

    [ "$status" -eq 0 ] || note+="wrk exited with $status; "
    r=$(awk '/^Requests\/sec:/ { print $2 }' "$OUT/$slug.wrk")
    # wrk prints latencies as e.g. 812.00us, 1.23ms or 1.02s: in ms here.
    p=$(awk '$1 == "99%" {
        v = $2 + 0
        if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /[0-9]s$/) v *= 1000; else if ($2 ~ /m$/) v *= 60000
        printf "%.2f", v
        exit
    }' "$OUT/$slug.wrk")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$OUT/$slug.wrk")
    sockerr=$(sed -n 's/^ *Socket errors: *//p' "$OUT/$slug.wrk")
    [ -z "$non2xx" ] || note+="$non2xx non-2xx/3xx responses; "
    [ -z "$sockerr" ] || note+="socket errors: $sockerr; "
    # wrk closes its connections with responses still in flight at the end
    # of each run (warm-up included), so the server can see up to
    # 2 x CONNECTIONS resets: expected. Anything else is worth a look.
    resets=$(grep -c 'connection error:.*reset by peer' "$OUT/$slug.log" || true)
    others=$(grep 'connection error' "$OUT/$slug.log" | grep -vc 'reset by peer' || true)
    if [ "$resets" -gt $((2 * CONNECTIONS)) ]; then
        note+="$resets connection resets in $OUT/$slug.log, more than wrk's closing accounts for; "
    elif [ "$resets" -gt 0 ] && [ "$round" -eq "$ROUNDS" ]; then
        info+=("${name}: $resets connection resets logged in the last round, from wrk closing its connections")
    fi
    [ "$others" -eq 0 ] || note+="$others other connection errors in $OUT/$slug.log; "

    requests=$(awk '/ requests in / { print $1 }' "$OUT/$slug.wrk")
    if [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
        c=$(awk -v u=$((user1 - user0)) -v s=$((sys1 - sys0)) -v n="$requests" -v hz="$hz" \
            'BEGIN { printf "%.2f", (u + s) / hz * 1e6 / n }')
        us=$(awk -v u=$((user1 - user0)) -v s=$((sys1 - sys0)) \
            'BEGIN { if (u + s > 0) printf "%.0f", 100 * u / (u + s) }')
        cpu[idx]+="$c " user[idx]+="$us "
    fi
    w=$(awk -v d="$duration_s" 'NF == 2 { printf "%.0f", 100 * ($1 + $2) / d }' "$OUT/$slug.time")
    wrkcpu[idx]+="$w "
    rps[idx]+="$r " p99[idx]+="$p " notes[idx]+="$note"
    port=$((port + 1))
done
done

# The median of a list of numbers (the lower middle one for an even count).
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# --- report ----------------------------------------------------------------
grove_rps=$(echo "${rps[0]}" | median)
echo
echo "| server | requests/s | ratio to grove | p99 latency | server CPU per request | of it in user space | wrk CPU |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for i in "${!names[@]}"; do
    r=$(echo "${rps[$i]}" | median)
    p=$(echo "${p99[$i]}" | median)
    c=$(echo "${cpu[$i]}" | median)
    us=$(echo "${user[$i]}" | median)
    w=$(echo "${wrkcpu[$i]}" | median)
    if [ -n "$r" ] && [ -n "$grove_rps" ]; then
        ratio=$(awk -v r="$r" -v g="$grove_rps" 'BEGIN { printf "%.2fx", r / g }')
    else
        ratio="n/a"
    fi
    r_fmt=$([ -n "$r" ] && awk -v r="$r" 'BEGIN { printf "%.0f", r }' || echo "n/a")
    echo "| ${names[$i]} | $r_fmt | $ratio | ${p:+$p ms} | ${c:+$c µs} | ${us:+$us%} | ${w:+$w%} |"
done
echo
echo "wrk command: \`$wrk_cmd\` (after a $WARMUP warm-up with the same -t/-c), $ROUNDS rounds; medians"
for i in "${!names[@]}"; do
    echo "- ${names[$i]}: requests/s per round: ${rps[$i]% }; server µs per request: ${cpu[$i]% }; wrk CPU %: ${wrkcpu[$i]% }"
done
echo "server CPU: user + system time of all its threads during the measured run, over the requests served;"
echo "wrk CPU: wrk's user + system time over the run's length (100% is a whole core: requests/s is then wrk's limit)."
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "machine: nproc=$(nproc), memory $mem${cpu:+, $cpu}, $(uname -sr); wrk and the server share the machine, unpinned"
echo
clean=1
for i in "${!names[@]}"; do
    if [ -n "${notes[$i]}" ]; then
        echo "- ${names[$i]}: ${notes[$i]%; }"
        clean=0
    fi
done
[ "$clean" -eq 0 ] || echo "checks: no non-2xx responses, no socket errors, no unexpected connection errors."
for line in "${info[@]}"; do
    echo "- $line (expected at the end of each wrk run)"
done
[ -z "$gevent_note" ] || echo "$gevent_note"
echo "full wrk outputs and server logs: $OUT/"
