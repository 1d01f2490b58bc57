"""CPU to read a request body through gunicorn, with and without core/wsgi_input.py.

    .venv/bin/python bench/wsgi_body_read.py [--mib 1] [--runs 30]

A thread writes the body into one end of a socket pair; the other end is read the way a
gunicorn worker reads a ``Content-Length`` body (``SocketUnreader`` -> ``LengthReader`` ->
``Body``), in the 64 KiB blocks Django's multipart parser asks for. Prints the median CPU
time per MiB (the writer thread's share included, the same in every row) and each row's
ratio to gunicorn's own ``Body``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gunicorn.http.body import Body, LengthReader  # noqa: E402
from gunicorn.http.unreader import SocketUnreader  # noqa: E402

from core import wsgi_input  # noqa: E402

BLOCK = 64 * 1024


def read_once(data: bytes, *, adapted: bool, socket_read: int) -> float:
    sender, receiver = socket.socketpair()
    for end, option in ((sender, socket.SO_SNDBUF), (receiver, socket.SO_RCVBUF)):
        end.setsockopt(socket.SOL_SOCKET, option, 1 << 20)
    writer = threading.Thread(target=sender.sendall, args=(data,))
    writer.start()
    body = Body(LengthReader(SocketUnreader(receiver), len(data)))
    wsgi_input.SOCKET_READ_BYTES = socket_read
    stream = wsgi_input.BlockReadBody(body) if adapted else body
    start, seen = time.process_time(), 0
    while block := stream.read(BLOCK):
        seen += len(block)
    spent = time.process_time() - start
    writer.join()
    sender.close()
    receiver.close()
    assert seen == len(data)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data = os.urandom(args.mib << 20)
    rows = [
        ("gunicorn Body (1 KiB steps)", False, 8192),
        ("blocks, gunicorn's 8 KiB recv", True, 8192),
        ("blocks, 64 KiB recv (shipped)", True, wsgi_input.SOCKET_READ_BYTES),
    ]
    base = None
    print(f"{args.mib} MiB body read in {BLOCK // 1024} KiB blocks, median of {args.runs} runs")
    for name, adapted, socket_read in rows:
        cpu = (
            statistics.median(read_once(data, adapted=adapted, socket_read=socket_read) for _ in range(args.runs))
            / args.mib
        )
        base = base or cpu
        print(f"  {name:32s} {cpu * 1000:6.2f} ms CPU per MiB   {cpu / base:5.2f}x")


if __name__ == "__main__":
    main()
