"""gunicorn's length-delimited request bodies are read in the blocks the application asks for, byte for byte
the same as gunicorn's own Body gives (core/wsgi_input.py)."""

from __future__ import annotations

import io
import os

from gunicorn.http.body import Body, ChunkedReader, LengthReader
from gunicorn.http.unreader import IterUnreader

from core.wsgi_input import BlockReadBody, block_reads


def _body(data: bytes, socket_chunk: int = 8192) -> Body:
    unreader = IterUnreader([data[i : i + socket_chunk] for i in range(0, len(data), socket_chunk)])
    return Body(LengthReader(unreader, len(data)))


def _read_all(stream, size: int) -> list[bytes]:
    blocks = []
    while block := stream.read(size):
        blocks.append(block)
    return blocks


def test_reads_give_the_same_blocks_as_gunicorn():
    data = os.urandom(300_001)
    for size in (1, 1000, 8192, 65536, 10**6):
        assert _read_all(BlockReadBody(_body(data)), size) == _read_all(_body(data), size), size
    assert BlockReadBody(_body(data)).read() == data  # no size: all of it


def test_a_megabyte_takes_one_reader_call_per_block():
    data = os.urandom(1 << 20)
    ours, gunicorns = _body(data), _body(data)
    calls = {"ours": 0, "gunicorn": 0}
    for name, body in (("ours", ours), ("gunicorn", gunicorns)):
        read = body.reader.read

        def counted(size, name=name, read=read):
            calls[name] += 1
            return read(size)

        body.reader.read = counted
    assert b"".join(_read_all(BlockReadBody(ours), 65536)) == b"".join(_read_all(gunicorns, 65536)) == data
    assert calls["ours"] <= 17  # 16 blocks and the empty read at the end
    assert calls["gunicorn"] >= 1024  # gunicorn's Body asks its reader for 1 KiB at a time


def test_lines_then_blocks_keep_their_order():
    data = b"first line\nsecond line\n" + os.urandom(50_000)
    body = BlockReadBody(_body(data))
    assert body.readline() == b"first line\n"
    assert body.read(5) == b"secon"  # Body holds a buffer now: its own read serves it
    assert body.readline() == b"d line\n"
    assert b"".join(_read_all(body, 4096)) == data[len(b"first line\nsecond line\n") :]


def test_only_length_delimited_gunicorn_bodies_are_wrapped():
    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"])
        return [b""]

    wrapped = block_reads(app)
    length_body = _body(b"x" * 10)
    chunked_body = Body(ChunkedReader(None, IterUnreader([b"0\r\n\r\n"])))
    plain = io.BytesIO(b"x")
    for body in (length_body, chunked_body, plain):
        wrapped({"wsgi.input": body}, None)
    assert isinstance(seen[0], BlockReadBody)
    assert seen[1] is chunked_body and seen[2] is plain


def test_the_socket_is_read_a_block_per_recv():
    import socket

    from gunicorn.http.unreader import SocketUnreader

    from core.wsgi_input import SOCKET_READ_BYTES

    sender, receiver = socket.socketpair()
    try:
        unreader = SocketUnreader(receiver)
        assert unreader.mxchunk == 8192  # gunicorn's
        sender.sendall(b"y" * 100_000)
        body = BlockReadBody(Body(LengthReader(unreader, 100_000)))
        assert unreader.mxchunk == SOCKET_READ_BYTES == 64 * 1024
        assert b"".join(_read_all(body, 65536)) == b"y" * 100_000
    finally:
        sender.close()
        receiver.close()
