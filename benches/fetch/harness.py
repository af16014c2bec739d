"""Runs every fetcher against the same nginx, interleaved, and prints the
table for BENCHMARKS.md. Called by benches/fetch.sh, which sets it up.

    python harness.py ROUNDS OUT_DIR CONTENDER_FILE

CONTENDER_FILE has one contender per line: `name<TAB>scheme<TAB>command`,
split like a shell would. Each fetcher runs under GNU time, which reports
its peak RSS (%M): a child forked from this Python process would count
Python's own pages in its maxrss until it execs. For each run the harness
records the wall time, the CPU time (user + sys, from wait4's rusage of
GNU time, which includes the fetcher it waited for), the peak RSS, and the
peak OS thread count of the fetcher (sampled from /proc every 2 ms), and
reads the pages fetched from the fetcher's summary line. Each cell is the
median of the rounds.
"""

import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time


def peak_threads(time_pid, stop, peak):
    """The fetcher is GNU time's child: find it, then sample its threads."""
    while not stop.is_set():
        try:
            with open(f"/proc/{time_pid}/task/{time_pid}/children") as f:
                for pid in f.read().split():
                    with open(f"/proc/{pid}/status") as status:
                        for line in status:
                            if line.startswith("Threads:"):
                                peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.002)


def run(command, log):
    rss_file = log + ".rss"
    argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + shlex.split(command)
    with open(log, "w") as out:
        started = time.monotonic()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        stop, peak = threading.Event(), [0]
        sampler = threading.Thread(target=peak_threads, args=(child.pid, stop, peak))
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        stop.set()
        sampler.join()
    with open(rss_file) as f:
        rss_kb = int(f.read().split()[-1])
    with open(log) as f:
        text = f.read()
    # grove's summary: "1000 pages, ... 0 failed"; the peers': "pages=1000 failed=0".
    match = re.search(r"pages=(\d+) failed=(\d+)", text) or re.search(r"(\d+) pages, .*?; (\d+) failed", text)
    if status != 0 and not match:
        raise SystemExit(f"{command!r} failed ({status}); see {log}")
    pages, failed = (int(match.group(1)), int(match.group(2))) if match else (0, -1)
    return {
        "pages": pages,
        "failed": failed,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": rss_kb / 1024,
        "threads": peak[0],
    }


def main():
    rounds, out_dir, contender_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    contenders = []
    with open(contender_file) as f:
        for line in f:
            if line.strip():
                name, scheme, command = line.rstrip("\n").split("\t")
                contenders.append((name, scheme, command))
    results = {(name, scheme): [] for name, scheme, _ in contenders}
    for round_ in range(rounds):
        for name, scheme, command in contenders:
            slug = re.sub(r"[^a-z0-9]+", "-", f"{name}-{scheme}-{round_}".lower())
            result = run(command, os.path.join(out_dir, f"{slug}.log"))
            results[(name, scheme)].append(result)
            print(
                f"round {round_ + 1}: {name} over {scheme}: {result['pages']} pages, "
                f"{result['failed']} failed, {result['wall']:.3f} s, cpu {result['cpu']:.3f} s",
                file=sys.stderr,
            )

    def median(name, scheme, key):
        return statistics.median(r[key] for r in results[(name, scheme)])

    for scheme in ("http", "https"):
        names = [name for name, s, _ in contenders if s == scheme]
        if not names:
            continue
        base = "tokio + reqwest"
        base_cpu = median(base, scheme, "cpu") / median(base, scheme, "pages") if base in names else None
        print(f"\nover {scheme} (medians of {rounds} rounds):\n")
        print("| fetcher | pages/s | CPU per 1,000 pages | CPU vs tokio + reqwest | peak RSS | OS threads | failed |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in names:
            pages = median(name, scheme, "pages")
            per_page = median(name, scheme, "cpu") / pages if pages else float("nan")
            rate = pages / median(name, scheme, "wall")
            ratio = f"{per_page / base_cpu:.2f}x" if base_cpu else "-"
            print(
                f"| {name} | {rate:,.0f} | {per_page * 1000 * 1000:,.0f} ms | {ratio} | "
                f"{median(name, scheme, 'rss_mb'):.1f} MB | {median(name, scheme, 'threads'):.0f} | "
                f"{max(r['failed'] for r in results[(name, scheme)])} |"
            )


if __name__ == "__main__":
    main()
