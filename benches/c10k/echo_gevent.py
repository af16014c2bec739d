"""The gevent row of the C10k bench (benches/c10k.sh): the `echo` example's
`--idle-timeout` server on gevent's StreamServer. Each read, and each write
(the socket's timeout covers both), waits at most the idle timeout; what it
read goes back through a 1 KiB buffered writer, flushed after each message.

Usage: python echo_gevent.py HOST:PORT [IDLE_SECONDS]
"""

import resource
import socket
import sys

from gevent.server import StreamServer

BUF = 1024


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    idle = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    # Every connection takes a descriptor: take all the hard limit allows.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    def echo(sock, _address):
        sock.settimeout(idle)
        writer = sock.makefile("wb", BUF)
        try:
            while True:
                data = sock.recv(BUF)
                if not data:
                    return
                writer.write(data)
                writer.flush()
        except (socket.timeout, OSError):
            return
        finally:
            writer.close()
            sock.close()

    server = StreamServer((host, int(port)), echo, backlog=1024)
    print(f"echo_gevent listening on {host}:{port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
