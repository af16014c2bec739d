"""Simulates the loop's watch before sleeping (src/runtime/watch.rs) with
messages from another thread at random times (a Poisson stream, each wait
ended by the next message), and prints, per rate, the share of time spent
watching, the share of waits with a watch, and the share of watches that
see their message. It models the policy only: `Watch::due`, `watched`
and `slept` with WATCH = 50 µs, QUICK = 1 ms and MAX_BACKOFF = 64.

Run: python3 benches/watch_sim.py
"""

import random

WATCH = 50e-6
QUICK = 1e-3
MAX_BACKOFF = 64


def simulate(rate, waits=400_000, seed=1):
    rng = random.Random(seed)
    quick, skip, backoff = False, 0, 0
    watching = total = 0.0
    watches = paid = 0
    for _ in range(waits):
        gap = rng.expovariate(rate)
        total += gap
        if skip > 0:
            skip -= 1
            due = False
        else:
            due = quick
        if due:
            watches += 1
            if gap <= WATCH:
                # Seen: no sleep, so the last sign stays as it was.
                watching += gap
                paid += 1
                backoff //= 2
                continue
            watching += WATCH
            backoff = min(max(backoff * 2, 1), MAX_BACKOFF)
            skip = backoff
            slept = gap - WATCH
        else:
            slept = gap
        quick = slept < QUICK
    return watching / total, watches / waits, paid / watches if watches else 0.0


def main():
    print("| messages/s | time watching | waits with a watch | watches that see their message |")
    print("|---:|---:|---:|---:|")
    for rate in (1_000, 2_000, 5_000, 10_000, 20_000, 50_000):
        time_share, wait_share, paid_share = simulate(rate)
        print(f"| {rate:,} | {time_share:.1%} | {wait_share:.1%} | {paid_share:.0%} |")


if __name__ == "__main__":
    main()
