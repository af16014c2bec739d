#!/usr/bin/env bash
# The main job against what users pick instead: 1,000 static pages of 1-35 KB
# from one local nginx (installed from the distribution's packages), over
# http and over https (a CA and certificate made by openssl here), 100 at a
# time, fetched by
#   - grove's fetch example (examples/fetch/, its defaults: 10 connections
#     per origin, HTTP/2 where TLS offers it);
#   - tokio current_thread + reqwest, one Client (benches/fetch/peers/);
#   - 100 OS threads + ureq, one agent each (benches/fetch/peers/);
#   - gevent + requests: gevent's own example (monkey.patch_all(), a
#     Pool(100), requests.get), and again with a requests.Session per worker
#     (benches/fetch/gevent_fetch.py).
# smol has no maintained HTTP client with TLS, so it has no row.
#
# Each run fetches the 1,000 pages REPEAT times over (5 by default: a run of
# 1,000 pages takes some 30 ms of CPU, too close to the kernel's accounting
# tick to compare), each URL once per pass. Each fetcher runs alone, in
# rounds that interleave them; each cell is the median of the rounds: pages/s (wall time of the whole process), the
# fetcher's own CPU time per 1,000 pages (user + sys from wait4), peak RSS
# and peak OS threads. Logs are left in target/fetch-bench/.
#
# Usage: benches/fetch.sh
# Settings (environment): ROUNDS=5 PAGES=1000 REPEAT=5 CONCURRENCY=100 PORT=18380
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-5}
PAGES=${PAGES:-1000}
REPEAT=${REPEAT:-5}
CONCURRENCY=${CONCURRENCY:-100}
PORT=${PORT:-18380}
OUT=$PWD/target/fetch-bench
mkdir -p "$OUT"

log() { echo "fetch.sh: $*" >&2; }

# --- nginx, openssl, GNU time and gevent -------------------------------------
if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); else apt=(sudo apt-get); fi
# package:program
for tool in nginx:/usr/sbin/nginx openssl:/usr/bin/openssl time:/usr/bin/time; do
    if [ ! -x "${tool#*:}" ]; then
        log "${tool#*:} not found, installing ${tool%%:*} with apt-get"
        "${apt[@]}" install -y "${tool%%:*}" >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install -y "${tool%%:*}" >&2; }
    fi
done
nginx=/usr/sbin/nginx
if [ ! -x "$OUT/venv/bin/python" ]; then
    python3 -m venv "$OUT/venv"
fi
"$OUT/venv/bin/python" -c 'import gevent, requests' 2>/dev/null || "$OUT/venv/bin/pip" install -q gevent requests >&2

# --- the fetchers -------------------------------------------------------------
cargo build --release --example fetch >&2
(cd benches/fetch/peers && cargo build --release >&2)
peers=benches/fetch/peers/target/release

# --- pages, certificate, nginx ----------------------------------------------
site=$OUT/site
if [ ! -f "$site/p/$((PAGES - 1)).html" ]; then
    mkdir -p "$site/p"
    python3 - "$site/p" "$PAGES" <<'PY'
import os, random, sys
folder, pages = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
for n in range(pages):
    with open(os.path.join(folder, f"{n}.html"), "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 35 * 1024)))
PY
fi
tls=$OUT/tls
if [ ! -f "$tls/server.pem" ]; then
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=fetch bench CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tls/ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
        -extfile "$tls/ext" -out "$tls/server.pem" 2>/dev/null
fi
cat >"$OUT/nginx.conf" <<CONF
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
user root;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    client_body_temp_path $OUT/nginx-tmp;
    server { listen 127.0.0.1:$PORT; root $site; }
    server {
        listen 127.0.0.1:$((PORT + 1)) ssl http2;
        ssl_certificate $tls/server.pem;
        ssl_certificate_key $tls/server.key;
        root $site;
    }
}
CONF
"$nginx" -t -c "$OUT/nginx.conf" -p "$OUT" 2>/dev/null || "$nginx" -t -c "$OUT/nginx.conf" -p "$OUT"
"$nginx" -c "$OUT/nginx.conf" -p "$OUT"
trap '"$nginx" -c "$OUT/nginx.conf" -p "$OUT" -s stop' EXIT
sleep 0.5

for scheme in http https; do
    port=$PORT
    [ "$scheme" = https ] && port=$((PORT + 1))
    for _ in $(seq "$REPEAT"); do
        seq 0 $((PAGES - 1)) | sed "s|^|$scheme://127.0.0.1:$port/p/|; s|$|.html|"
    done >"$OUT/urls-$scheme.txt"
done

# --- contenders: name, scheme, command -------------------------------------
contenders=$OUT/contenders.tsv
: >"$contenders"
for scheme in http https; do
    urls=$OUT/urls-$scheme.txt
    ca=$tls/ca.pem
    printf '%s\t%s\t%s\n' \
        "grove fetch" "$scheme" "target/release/examples/fetch --quiet --ca $ca --concurrency $CONCURRENCY $(tr '\n' ' ' <"$urls")" \
        "tokio + reqwest" "$scheme" "$peers/reqwest_fetch --ca $ca --concurrency $CONCURRENCY $urls" \
        "threads + ureq" "$scheme" "$peers/ureq_fetch --ca $ca --concurrency $CONCURRENCY $urls" \
        "gevent + requests.get" "$scheme" "$OUT/venv/bin/python benches/fetch/gevent_fetch.py --ca $ca --concurrency $CONCURRENCY $urls" \
        "gevent + Session per worker" "$scheme" "$OUT/venv/bin/python benches/fetch/gevent_fetch.py --session --ca $ca --concurrency $CONCURRENCY $urls" \
        >>"$contenders"
done

log "nginx $("$nginx" -v 2>&1 | sed 's/.*nginx\///'), $PAGES pages $REPEAT times over, $CONCURRENCY at a time, $ROUNDS rounds"
python3 benches/fetch/harness.py "$ROUNDS" "$OUT" "$contenders"
