"""The `hello_http` example on gevent's StreamServer.

A keep-alive HTTP/1.1 server that answers every request with `Hello, world!`
(13 bytes): the gevent row of the `wrk` benchmark (`benches/http.sh`). It
follows `examples/hello_http/`: one greenlet per connection, pipelined
requests answered in one write, `Connection: close` and HTTP/1.0 honoured,
400 on a malformed request or a request head over 8192 bytes.

Run it with `python3 benches/http/hello_gevent.py [ADDR]`; the address
defaults to 127.0.0.1:8080. Needs `pip install gevent`.
"""

import socket
import sys

from gevent.server import StreamServer

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!"
CLOSING = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
    b"Connection: close\r\n\r\nHello, world!"
)
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BUFFER = 8192
MAX_HEADERS = 32


def wants_close(head):
    """Parses a request head (without its final CRLF CRLF).

    Returns True if the request ends the connection (`Connection: close`, or
    HTTP/1.0 without `keep-alive`), False if not, None if it is malformed.
    """
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    if parts[2] == b"HTTP/1.1":
        http10 = False
    elif parts[2] == b"HTTP/1.0":
        http10 = True
    else:
        return None
    if len(lines) - 1 > MAX_HEADERS:
        return None
    connection = None
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            return None
        if connection is None and name.lower() == b"connection":
            connection = value.strip().lower()
    if connection == b"close":
        return True
    if connection == b"keep-alive":
        return False
    return http10


def serve(sock, _address):
    """Answers the requests of one connection, pipelined ones included, until
    the client closes it or asks to.

    StreamServer runs this in a greenlet of its own and hands it a gevent
    socket, so its blocking calls only block the greenlet.
    """
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    try:
        while True:
            data = sock.recv(BUFFER - len(buf))
            if not data:
                return
            buf += data
            start = 0
            close = False
            out = []
            while not close:
                end = buf.find(b"\r\n\r\n", start)
                if end < 0:
                    break
                close = wants_close(buf[start:end])
                start = end + 4
                if close is None:
                    out.append(BAD_REQUEST)
                    close = True
                else:
                    out.append(CLOSING if close else RESPONSE)
            if out:
                sock.sendall(b"".join(out))
            if close:
                sock.shutdown(socket.SHUT_WR)
                return
            buf = buf[start:]
            if len(buf) == BUFFER:
                # A request head larger than the buffer.
                sock.sendall(BAD_REQUEST)
                sock.shutdown(socket.SHUT_WR)
                return
    except OSError as e:
        print(f"connection error: {e}", file=sys.stderr)
    finally:
        sock.close()


def main():
    addr = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8080"
    host, _, port = addr.rpartition(":")
    server = StreamServer((host.strip("[]"), int(port)), serve)
    server.init_socket()
    bound = server.socket.getsockname()
    print(f"hello_gevent listening on http://{bound[0]}:{bound[1]}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
