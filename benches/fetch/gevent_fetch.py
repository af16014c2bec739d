"""gevent's fetcher, as its own example writes it: monkey.patch_all(), then
requests.get for every URL through a Pool(concurrency).

    python gevent_fetch.py --ca FILE [--concurrency N] [--session] URL_FILE

With --session, `concurrency` worker greenlets each keep one
requests.Session (and so its connections) and take URLs from a queue,
as the ureq peer's threads each keep an agent. Prints the same summary line
as the Rust peers: pages=N failed=N bytes=N seconds=F.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import time  # noqa: E402

import gevent.pool  # noqa: E402
import gevent.queue  # noqa: E402
import requests  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ca", required=True)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--session", action="store_true")
    parser.add_argument("urls")
    args = parser.parse_args()
    with open(args.urls) as f:
        urls = f.read().split()

    results = []

    def fetch(get, url):
        try:
            response = get(url, verify=args.ca, timeout=30)
            response.raise_for_status()
            results.append(len(response.content))
        except Exception as e:  # one line per failure, and go on
            results.append(e)

    started = time.monotonic()
    if args.session:
        queue = gevent.queue.Queue(items=urls)

        def worker():
            with requests.Session() as session:
                while True:
                    try:
                        url = queue.get_nowait()
                    except gevent.queue.Empty:
                        return
                    fetch(session.get, url)

        gevent.joinall([gevent.spawn(worker) for _ in range(args.concurrency)])
    else:
        pool = gevent.pool.Pool(args.concurrency)
        for url in urls:
            pool.spawn(fetch, requests.get, url)
        pool.join()
    elapsed = time.monotonic() - started

    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        print("first failure:", failures[0])
    sizes = [r for r in results if not isinstance(r, Exception)]
    print(f"pages={len(sizes)} failed={len(failures)} bytes={sum(sizes)} seconds={elapsed:.3f}")


if __name__ == "__main__":
    main()
