"""Runs the C10k bench: each echo server in turn against the same client
(target/release/examples/c10k_client), in interleaved rounds, and prints a
markdown table of medians. Called by benches/c10k.sh, which builds the
programs and says what each setting means.

For each run: the server starts alone and its resident memory is read; the
client opens every connection and prints READY; the server's CPU time (user
and system, all threads, from /proc/PID/stat), the client's, and the
machine's steal time (/proc/stat) are read then and again when the client
prints DONE, with the server's memory. The client then lets go of its
connections and the server is stopped.
"""

import os
import signal
import socket
import statistics
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    """User and system seconds of process `pid`, all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime field 14, stime field 15.
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def rss(pid):
    """Resident memory of process `pid`, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def machine():
    """(steal ticks, all ticks) of the whole machine so far."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return values[7], sum(values[:8])


def wait_listening(addr, server, log):
    host, port = addr.rsplit(":", 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"c10k: the server exited with {server.returncode}; see {log}")
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"c10k: the server did not listen on {addr} within 30 s; see {log}")


def expect(client, prefix):
    while True:
        line = client.stdout.readline()
        if not line:
            sys.exit(f"c10k: the client ended before {prefix}")
        if line.startswith(prefix):
            return line


def run_once(name, command, settings, out):
    addr = settings["addr"]
    log = os.path.join(out, f"{name.split()[0]}.log")
    with open(log, "a") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=log_file)
    try:
        wait_listening(addr, server, log)
        time.sleep(0.5)
        base = rss(server.pid)
        client = subprocess.Popen(
            [settings["client"], addr,
             "--connections", str(settings["connections"]),
             "--interval-ms", str(settings["interval_ms"]),
             "--seconds", str(settings["seconds"])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = expect(client, "READY")
        connected = int(ready.split("connections=")[1].split()[0])
        print(f"c10k: {name}: {ready.strip()}", file=sys.stderr)
        s0, c0, m0, t0 = cpu(server.pid), cpu(client.pid), machine(), time.monotonic()
        expect(client, "DONE")
        s1, c1, m1, t1 = cpu(server.pid), cpu(client.pid), machine(), time.monotonic()
        held = rss(server.pid)
        counts, first_error = client.stdout.readline().split(" first_error=", 1)
        figures = dict(kv.split("=", 1) for kv in counts.split())
        figures["first_error"] = first_error.strip()
        client.stdin.close()
        client.wait(timeout=60)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    messages = int(figures["messages"])
    errors = int(figures["errors"])
    if errors:
        print(f"c10k: {name}: {errors} errors, first: {figures['first_error']}", file=sys.stderr)
    wall = t1 - t0
    return {
        "rate": messages / wall,
        "cpu": (s1[0] - s0[0] + s1[1] - s0[1]) / messages * 1e6,
        "user": (s1[0] - s0[0]) / messages * 1e6,
        "rss": (held - base) / max(connected, 1),
        "p99": int(figures["p99_us"]) / 1e3,
        "client": (c1[0] - c0[0] + c1[1] - c0[1]) / wall * 100,
        "steal": (m1[0] - m0[0]) / max(m1[1] - m0[1], 1) * 100,
        "errors": errors,
        "connected": connected,
    }


def main():
    out = os.environ["OUT"]
    settings = {
        "client": os.environ["CLIENT"],
        "addr": os.environ["ADDR"],
        "connections": int(os.environ["CONNECTIONS"]),
        "interval_ms": int(os.environ["INTERVAL_MS"]),
        "seconds": int(os.environ["SECONDS_"]),
    }
    rounds = int(os.environ["ROUNDS"])
    idle = os.environ["IDLE"]
    addr = settings["addr"]
    bins = os.environ["BINS"]
    servers = [
        ("grove", [f"{bins}/echo", addr, "--idle-timeout", idle, "--quiet"]),
        ("tokio current_thread", [f"{bins}/echo_tokio", addr, "--idle-timeout", idle]),
        ("smol LocalExecutor", [f"{bins}/echo_smol", addr, "--idle-timeout", idle]),
    ]
    python = os.environ.get("GEVENT_PYTHON")
    if python:
        servers.append(("gevent StreamServer", [python, os.environ["GEVENT_SERVER"], addr, idle]))
    results = {name: [] for name, _ in servers}
    for round_ in range(1, rounds + 1):
        for name, command in servers:
            r = run_once(name, command, settings, out)
            results[name].append(r)
            print(f"c10k: round {round_} {name}: {r['rate']:.0f} msg/s, {r['cpu']:.2f} µs CPU/msg "
                  f"({r['user']:.2f} user), {r['rss']:.0f} B/conn, p99 {r['p99']:.2f} ms, "
                  f"client {r['client']:.0f}%, steal {r['steal']:.1f}%", file=sys.stderr)

    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    def cell(name, key, fmt):
        value = med(name, key)
        spread = [r[key] for r in results[name]]
        text = f"{fmt.format(value)} ({fmt.format(min(spread))}–{fmt.format(max(spread))})"
        base = med("tokio current_thread", key)
        if name != "tokio current_thread" and base:
            text += f", {value / base:.2f}x"
        return text

    print(f"\n### C10k echo: {settings['connections']} connections, 64 B every "
          f"{settings['interval_ms']} ms for {settings['seconds']} s, {idle} s idle timeout; "
          f"median of {rounds} interleaved rounds (lowest–highest), ratios to tokio\n")
    print("| server | messages/s | server CPU per message (µs) | of it user space (µs) "
          "| RSS per connection (B) | p99 (ms) | client CPU | steal | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in servers:
        errors = sum(r["errors"] for r in results[name])
        print(f"| {name} | {med(name, 'rate'):,.0f} | {cell(name, 'cpu', '{:.2f}')} "
              f"| {cell(name, 'user', '{:.2f}')} | {cell(name, 'rss', '{:,.0f}')} "
              f"| {cell(name, 'p99', '{:.2f}')} | {med(name, 'client'):.0f}% "
              f"| {med(name, 'steal'):.1f}% | {errors} |")


if __name__ == "__main__":
    main()
