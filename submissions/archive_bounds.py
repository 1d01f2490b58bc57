"""Bounds on an uploaded archive, checked while streaming, before anything is held or parsed.

Python's ``tarfile`` reads a GNU long-name (``././@LongLink``, types ``L``/``K``)
or PAX (``x``/``g``) header's payload into memory inside ``TarFile.next()``: a
4 MiB ``.tar.gz`` declaring a 2 GiB long name takes 2 GiB of a web worker. And
``zipfile`` builds one ``ZipInfo`` per central-directory record, however many
there are. So before either library sees an archive, this module walks it:

* tar (plain, gzip, bzip2, xz): every 512-byte header is parsed here from the
  decompressed stream, each member's type and size read *before* its payload;
  a meta header over ``Limits.max_header_bytes`` is refused unread, members are
  counted, regular files' sizes are summed and the data is skipped in 1 MiB
  reads, so memory stays flat whatever the archive claims. The walk mirrors
  ``tarfile``'s (which bytes it skips, where it stops) and refuses what would
  make the two disagree (a PAX ``size``, sparse files), so the later
  ``tarfile`` pass reads the very members that were measured here.
* zip: the central directory's records are counted before ``zipfile`` parses
  it, and :class:`StreamBudget` counts the bytes actually decompressed (declared
  sizes can lie), refusing past the total or the ratio.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import struct
import zlib
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from submissions.archive_rules import Limits

BLOCK = 512
CHUNK = 1024 * 1024
REGULAR = (b"0", b"\0", b"7")
META = (b"L", b"K", b"x", b"g")
LINKS = (b"1", b"2")
DIRECTORY = b"5"
# tarfile follows a chain of meta headers recursively; a legitimate member has at most a few.
MAX_META_CHAIN = 8
MAX_META_BYTES = 64 * 1024
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")


def _rejected(detail: str, code: str) -> Exception:
    from submissions.archive_rules import UploadRejected  # archive_rules imports this module

    return UploadRejected(detail, code=code)


class StreamBudget:
    """Uncompressed bytes actually produced by an archive, against the total and the ratio."""

    def __init__(self, max_bytes: int, max_ratio: int, compressed_size: int) -> None:
        self.max_bytes, self.max_ratio, self.compressed_size = max_bytes, max_ratio, compressed_size
        self.seen = 0

    def add(self, count: int, where: str = "archive") -> None:
        self.seen += count
        if self.seen > self.max_bytes:
            raise _rejected(f"{where}: total uncompressed size exceeds {self.max_bytes} bytes.", "too_large")
        if self.compressed_size and self.seen > self.max_ratio * self.compressed_size:
            raise _rejected(f"{where}: expands over the {self.max_ratio}:1 limit (zip bomb?).", "zip_bomb")


def decompressed(upload: IO[bytes]) -> tuple[IO[bytes], str]:
    """The tar stream inside ``upload`` by its magic bytes, and the ``tarfile`` mode that reads the same."""
    upload.seek(0)
    head = upload.read(6)
    upload.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=upload, mode="rb"), "r:gz"
    if head[:3] == b"BZh":
        return bz2.BZ2File(upload), "r:bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(upload), "r:xz"
    return upload, "r:"


def _number(field: bytes) -> int:
    """A tar numeric field: octal text, or GNU base-256 (first byte 0x80 or 0xff), as tarfile's ``nti``."""
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        return value - (256 ** (len(field) - 1)) if field[:1] == b"\xff" else value
    text = field.split(b"\0", 1)[0].strip() or b"0"
    try:
        return int(text, 8)
    except ValueError:
        raise _rejected("archive: a tar header holds an invalid number.", "corrupt_archive") from None


def _checksum_ok(block: bytes) -> bool:
    stored = _number(block[148:156])
    unsigned = 256 + sum(block[:148]) + sum(block[156:])
    signed = 256 + sum(struct.unpack_from("148b8x356b", block))
    return stored in (unsigned, signed)


class _Reader:
    """Exact reads from the decompressed stream, counted, with decompression errors as refusals."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            raise _rejected(f"archive: cannot be decompressed ({exc}).", "corrupt_archive") from None

    def skip(self, size: int, budget: StreamBudget | None, where: str) -> None:
        while size > 0:
            data = self.read(min(CHUNK, size))
            if not data:
                return  # truncated: tarfile's pass refuses it
            size -= len(data)
            if budget is not None:
                budget.add(len(data), where)


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _check_pax(payload: bytes, name: str) -> None:
    """Refuse the PAX keys that would move tarfile's idea of a member's data away from ours."""
    pos = 0
    while pos < len(payload) and payload[pos : pos + 1] != b"\0":
        match = _PAX_RECORD.match(payload, pos)
        if not match or int(match.group(1)) <= 0:
            raise _rejected(f"{name}: malformed PAX header.", "corrupt_archive")
        key = match.group(2)
        if key == b"size" or key.startswith(b"GNU.sparse"):
            raise _rejected(f"{name}: PAX '{key.decode(errors='replace')}' records are not accepted.", "special_file")
        pos += int(match.group(1))


def check_tar(upload: IO[bytes], limits: Limits, compressed_size: int) -> str:
    """Walk every header of a tar archive within ``limits``, or raise; the ``tarfile`` mode to read it with."""
    stream, mode = decompressed(upload)
    reader = _Reader(stream)
    files = StreamBudget(limits.max_bytes, limits.max_ratio, compressed_size)
    members = chain = 0
    first = True
    while True:
        block = reader.read(BLOCK)
        if len(block) < BLOCK or block == bytes(BLOCK):
            if first:
                raise _rejected("archive: not a readable tar file (no header).", "corrupt_archive")
            break  # end of archive, where tarfile stops too
        if not _checksum_ok(block):
            raise _rejected("archive: a tar header has a bad checksum.", "corrupt_archive")
        first = False
        kind, size = block[156:157], _number(block[124:136])
        name = block[:100].split(b"\0", 1)[0].decode("utf-8", "replace") or "(unnamed)"
        members += 1
        if members > limits.member_limit:
            raise _rejected(f"archive: more than {limits.member_limit} members.", "too_many_files")
        if size < 0:
            raise _rejected(f"{name}: negative size in its tar header.", "corrupt_archive")
        if kind in META:
            # Refused from the header alone, before tarfile would read the payload into memory.
            if size > limits.max_header_bytes:
                raise _rejected(
                    f"{name}: a {size}-byte extended header (long name or PAX) is over the "
                    f"{limits.max_header_bytes}-byte limit.",
                    "header_too_large",
                )
            chain += 1
            if chain > MAX_META_CHAIN:
                raise _rejected(f"{name}: more than {MAX_META_CHAIN} extended headers in a row.", "corrupt_archive")
            payload = reader.read(_padded(size))
            if kind in (b"x", b"g"):
                _check_pax(payload[:size], name)
            continue
        chain = 0
        if kind == b"\0" and block[:100].split(b"\0", 1)[0].endswith(b"/"):
            kind = DIRECTORY  # old V7 folders, as tarfile reads them: no data skipped after them
        if kind in LINKS:
            raise _rejected(f"{name}: symbolic and hard links are not allowed.", "link")
        if kind == DIRECTORY:
            continue  # tarfile skips no data after a directory header, whatever its size field says
        if kind not in REGULAR:
            raise _rejected(f"{name}: only regular files are allowed.", "special_file")
        if size > limits.max_bytes - files.seen:
            raise _rejected(f"{name}: total uncompressed size would exceed {limits.max_bytes} bytes.", "too_large")
        reader.skip(size, files, name)
        reader.skip(_padded(size) - size, None, name)
    upload.seek(0)
    return mode


_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")


def check_zip_directory(upload: IO[bytes], limits: Limits) -> None:
    """Count the central directory's records (``zipfile`` keeps one object per record, however
    many the end record admits to) and refuse past ``limits.member_limit``, before ``zipfile`` parses it."""
    import zipfile

    upload.seek(0)
    try:
        end = zipfile._EndRecData(upload)  # zipfile's own reading of the end record (comment, zip64)
    except OSError:
        end = None
    if not end:
        raise _rejected("archive: not a readable zip file (no end of central directory).", "corrupt_archive")
    size_cd, offset_cd, location = end[5], end[6], end[9]
    concat = location - size_cd - offset_cd
    if end[0] == b"PK\x06\x06":
        concat -= 56 + 20  # the zip64 end record and its locator
    if concat < 0 or size_cd < 0:
        raise _rejected("archive: not a readable zip file (bad central directory).", "corrupt_archive")
    upload.seek(offset_cd + concat)
    total = count = 0
    while total < size_cd:
        record = upload.read(_CENTRAL.size)
        if len(record) != _CENTRAL.size or record[:4] != b"PK\x01\x02":
            break  # zipfile refuses it with its own words
        fields = _CENTRAL.unpack(record)
        extra = fields[12] + fields[13] + fields[14]
        upload.seek(extra, 1)
        total += _CENTRAL.size + extra
        count += 1
        if count > limits.member_limit:
            raise _rejected(f"archive: more than {limits.member_limit} members.", "too_many_files")
    upload.seek(0)
