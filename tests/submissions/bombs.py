"""Hostile archives, built without ever holding what they expand to."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib


def tar_header(name: bytes, kind: bytes, size: int) -> bytes:
    """One ustar header block with a correct checksum."""
    block = bytearray(512)
    block[0 : len(name)] = name[:100]
    block[100:108] = b"0000644\0"
    block[108:116] = block[116:124] = b"0000000\0"
    if size < 8**11:
        block[124:136] = b"%011o\0" % size
    else:  # GNU base-256
        block[124:136] = b"\x80" + size.to_bytes(11, "big")
    block[136:148] = b"00000000000\0"
    block[148:156] = b" " * 8
    block[156:157] = kind
    block[257:265] = b"ustar  \0"
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def _gzip_member(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    return compressor.compress(data) + compressor.flush()


def gzip_of_repeats(prefix: bytes, filler: int, total: int, suffix: bytes) -> bytes:
    """gzip(prefix + ``total`` bytes of ``filler`` + suffix) as concatenated gzip members (RFC 1952
    allows them; gzip and tarfile read them as one stream): one 16 MiB member, repeated."""
    block = 16 * 1024 * 1024
    member = _gzip_member(bytes([filler]) * block)
    return (
        _gzip_member(prefix)
        + member * (total // block)
        + _gzip_member(bytes([filler]) * (total % block))
        + _gzip_member(suffix)
    )


def _regular(name: str, content: bytes) -> bytes:
    return tar_header(name.encode(), b"0", len(content)) + content + bytes(-len(content) % 512)


def long_name_bomb(name_bytes: int = 2 * 1024**3) -> bytes:
    """A .tar.gz whose first member is a GNU long name of ``name_bytes`` bytes (a few MiB compressed)."""
    return gzip_of_repeats(
        tar_header(b"././@LongLink", b"L", name_bytes),
        ord("a"),
        name_bytes,
        _regular("main.py", b"print(1)\n") + bytes(1024),
    )


def pax_bomb(payload_bytes: int = 256 * 1024**2) -> bytes:
    """A .tar.gz with one PAX extended header of ``payload_bytes``: one huge ``comment`` record."""
    assert payload_bytes % 512 == 0
    record = f"{payload_bytes} comment=".encode()
    return gzip_of_repeats(
        tar_header(b"././@PaxHeader", b"x", payload_bytes) + record,
        ord("a"),
        payload_bytes - len(record) - 1,
        b"\n" + _regular("main.py", b"print(1)\n") + bytes(1024),
    )


def member_count_bomb(members: int) -> bytes:
    """A .tar.gz of ``members`` empty folders, then a main.py."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for i in range(members):
            info = tarfile.TarInfo(f"d{i}")
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
        info = tarfile.TarInfo("main.py")
        info.size = 9
        archive.addfile(info, io.BytesIO(b"print(1)\n"))
    return buffer.getvalue()


def zip_of(members: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(members):
            archive.writestr(f"f{i}.py", b"")
    return buffer.getvalue()


def zip_with_lying_sizes(real_bytes: int, declared: int = 10) -> bytes:
    """A zip whose one member inflates to ``real_bytes`` while its headers declare ``declared``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main.py", b"#" * real_bytes)
    data = bytearray(buffer.getvalue())
    # Patch the uncompressed size in the local header (offset 22) and in the central record (offset 24).
    struct.pack_into("<L", data, 22, declared)
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, central + 24, declared)
    return bytes(data)
