"""Validate uploaded code, describe it by a manifest, and extract it safely.

An uploaded archive (.zip, .tar.gz, .tar) is stored as received: every member
is checked and hashed once (:func:`build_manifest`), nothing is rewritten or
recompressed. Loose files are packed into a gzip'd tar with sorted, normalised
names. Either way the identity is a tree hash over ``(path, sha256(content))``
pairs (the manifest), so the same code gives the same ``sha256`` however it was
packed; :func:`extract` unpacks a stored archive at job time under the same
rules and checks every file against the manifest.

Every rule raises :class:`UploadRejected` with a stable code and a sentence
naming the offending file; nothing is written to storage until every file has
passed (the bundle is built in a temporary file that vanishes on error).
"""

from __future__ import annotations

import hashlib
import io
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from zlib_ng.zlib_ng import crc32

from submissions.archive_bounds import StreamBudget, check_tar, check_zip_directory

# The rules (paths, extensions, limits, the error) live in submissions/archive_rules.py; callers
# import them from here too.
from submissions.archive_rules import (  # noqa: F401
    ARCHIVE_EXTENSIONS,
    CODE_EXTENSIONS,
    DATA_EXTENSIONS,
    Limits,
    UploadRejected,
    _check_totals,
    check_extension,
    normalise_path,
)

CHUNK = 1024 * 1024


@dataclass
class FileRecord:
    path: str
    size: int
    sha256: str


@dataclass
class Bundle:
    """The canonical archive, in a temporary file, plus what it contains."""

    file: IO[bytes]
    files: list[FileRecord] = field(default_factory=list)

    @property
    def size_bytes(self) -> int:
        return sum(record.size for record in self.files)

    @property
    def tree_sha256(self) -> str:
        digest = hashlib.sha256()
        for record in sorted(self.files, key=lambda r: r.path):
            digest.update(f"{record.path}\0{record.sha256}\n".encode())
        return digest.hexdigest()

    def paths(self) -> set[str]:
        return {record.path for record in self.files}


class BundleWriter:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.bundle = Bundle(file=tempfile.TemporaryFile())
        self._tar = tarfile.open(fileobj=self.bundle.file, mode="w:gz", compresslevel=1)
        self._seen: dict[str, str] = {}
        self._total = 0

    def add(self, raw_path: str, stream: IO[bytes], declared_size: int) -> None:
        path = self._admit(raw_path, declared_size)
        data = _read_exactly(stream, declared_size, path)
        self._total += len(data)
        info = tarfile.TarInfo(path)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0
        self._tar.addfile(info, io.BytesIO(data))
        self.bundle.files.append(FileRecord(path=path, size=len(data), sha256=hashlib.sha256(data).hexdigest()))

    def _admit(self, raw_path: str, declared_size: int) -> str:
        """The bundle rules for one member: its normalised path, or UploadRejected."""
        path = normalise_path(raw_path)
        check_extension(path)
        folded = path.casefold()
        if folded in self._seen:
            raise UploadRejected(f"{path}: duplicate file name (also {self._seen[folded]}).", code="duplicate_name")
        self._seen[folded] = path
        if len(self._seen) > self.limits.max_files:
            raise UploadRejected(f"More than {self.limits.max_files} files.", code="too_many_files")
        if self._total + declared_size > self.limits.max_bytes:
            raise UploadRejected(
                f"{path}: total uncompressed size would exceed {self.limits.max_bytes} bytes.", code="too_large"
            )
        return path

    def close(self) -> Bundle:
        self._tar.close()
        self.bundle.file.seek(0)
        self.bundle.files.sort(key=lambda r: r.path)
        return self.bundle

    def abort(self) -> None:
        self._tar.close()
        self.bundle.file.close()


class ManifestWriter(BundleWriter):
    """The bundle rules without the bundle: checks and hashes members, writes nothing."""

    def __init__(self, limits: Limits, upload: IO[bytes]):
        self.limits = limits
        self.bundle = Bundle(file=upload)
        self._seen = {}
        self._total = 0

    def add(self, raw_path: str, stream: IO[bytes], declared_size: int) -> None:
        path = self._admit(raw_path, declared_size)
        digest, size = _hash_exactly(stream, declared_size, path)
        self._total += size
        self.bundle.files.append(FileRecord(path=path, size=size, sha256=digest))

    def close(self) -> Bundle:
        self.bundle.file.seek(0)
        self.bundle.files.sort(key=lambda r: r.path)
        return self.bundle

    def abort(self) -> None:
        pass  # the upload belongs to the caller


def _hash_exactly(stream: IO[bytes], size: int, path: str, sink: IO[bytes] | None = None) -> tuple[str, int]:
    digest, seen = hashlib.sha256(), 0
    while block := stream.read(CHUNK):
        seen += len(block)
        if seen > size:
            break
        digest.update(block)
        if sink is not None:
            sink.write(block)
    if seen != size:
        raise UploadRejected(f"{path}: archive entry size does not match its header.", code="corrupt_archive")
    return digest.hexdigest(), seen


def _read_exactly(stream: IO[bytes], size: int, path: str) -> bytes:
    data = stream.read(size + 1)
    if len(data) != size:
        raise UploadRejected(f"{path}: archive entry size does not match its header.", code="corrupt_archive")
    return data


def _zip_entries(upload: IO[bytes], limits: Limits, compressed_size: int) -> Iterator[tuple[str, IO[bytes], int]]:
    check_zip_directory(upload, limits)  # counted before zipfile builds an object per record
    budget = StreamBudget(limits.max_bytes, limits.max_ratio, compressed_size)  # declared sizes can lie
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadRejected(f"archive: not a readable zip file ({exc}).", code="corrupt_archive") from None
    infos = archive.infolist()
    _check_totals(sum(i.file_size for i in infos), compressed_size, limits)
    for info in infos:
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRejected(f"{info.filename}: symbolic links are not allowed.", code="link")
        file_type = stat.S_IFMT(mode)  # 0 when the archiver recorded permissions only
        if file_type and file_type not in (stat.S_IFREG, stat.S_IFDIR):
            raise UploadRejected(f"{info.filename}: only regular files are allowed.", code="special_file")
        if info.is_dir():
            continue
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            raise UploadRejected(
                f"{info.filename}: compression ratio over {limits.max_ratio}:1 looks like a zip bomb.",
                code="zip_bomb",
            )
        try:
            with archive.open(info) as member:
                yield info.filename, _CrcChecked(member, info, budget), info.file_size
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            raise UploadRejected(f"{info.filename}: cannot be read ({exc}).", code="corrupt_archive") from None


class _CrcChecked:
    """A zip member read through, its CRC-32 checked at the end with zlib-ng's crc32.

    zipfile checks it with zlib's, which cost a quarter of a 1 MiB upload's hashing
    (0.37 ms/MiB against 0.02 for zlib-ng's; docs/performance.md), so zipfile's own
    check is switched off (``ZipExtFile._update_crc`` skips a member whose expected CRC
    is None; were that attribute to go, zipfile would check it again, only slower)."""

    def __init__(self, member: zipfile.ZipExtFile, info: zipfile.ZipInfo, budget: StreamBudget):
        self._member, self._info, self._crc, self._budget = member, info, 0, budget
        member._expected_crc = None

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._member.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # raised in the reader, not by open()
            raise UploadRejected(f"{self._info.filename}: cannot be read ({exc}).", code="corrupt_archive") from None
        if data:
            self._budget.add(len(data), self._info.filename)
            self._crc = crc32(data, self._crc)
        elif self._crc != self._info.CRC:
            raise UploadRejected(f"{self._info.filename}: bad CRC-32, the archive is damaged.", code="corrupt_archive")
        return data


def _tar_entries(upload: IO[bytes], limits: Limits, compressed_size: int) -> Iterator[tuple[str, IO[bytes], int]]:
    # Every header measured first, streaming: tarfile reads long names and PAX payloads whole.
    mode = check_tar(upload, limits, compressed_size)
    try:
        archive = tarfile.open(fileobj=upload, mode=mode)
        members = archive.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UploadRejected(f"archive: not a readable tar file ({exc}).", code="corrupt_archive") from None
    _check_totals(sum(m.size for m in members if m.isfile()), compressed_size, limits)
    for member in members:
        if member.issym() or member.islnk():
            raise UploadRejected(f"{member.name}: symbolic and hard links are not allowed.", code="link")
        if member.isdir():
            continue
        if not member.isfile():
            raise UploadRejected(f"{member.name}: only regular files are allowed.", code="special_file")
        yield member.name, archive.extractfile(member), member.size


def archive_entries(upload: IO[bytes], name: str, limits: Limits) -> Iterator[tuple[str, IO[bytes], int]]:
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    lower = name.lower()
    if lower.endswith(".zip"):
        return _zip_entries(upload, limits, size)
    if lower.endswith((".tar.gz", ".tgz", ".tar")):
        return _tar_entries(upload, limits, size)
    raise UploadRejected(f"{name}: archives must be .zip, .tar.gz, .tgz or .tar.", code="bad_archive_type")


def build_manifest(upload: IO[bytes], name: str, limits: Limits) -> Bundle:
    """An uploaded archive as received (the bundle's file is the upload itself) and its manifest."""
    return build_bundle(archive_entries(upload, name, limits), limits, ManifestWriter(limits, upload))


def stored_suffix(name: str) -> str:
    """The suffix an archive is stored under, which :func:`archive_entries` reads it by."""
    lower = name.lower()
    return ".zip" if lower.endswith(".zip") else ".tar" if lower.endswith(".tar") else ".tar.gz"


def build_bundle(
    entries: Iterable[tuple[str, IO[bytes], int]], limits: Limits, writer: BundleWriter | None = None
) -> Bundle:
    writer = writer or BundleWriter(limits)
    try:
        for path, stream, size in entries:
            writer.add(path, stream, size)
        if not writer.bundle.files:
            raise UploadRejected("The upload contains no files.", code="empty")
        return writer.close()
    except BaseException:
        writer.abort()
        raise


def strip_common_root(bundle_paths: set[str], entrypoint: str) -> str | None:
    """The single top-level folder to strip when the user zipped a folder."""
    if entrypoint in bundle_paths:
        return None
    roots = {path.split("/", 1)[0] for path in bundle_paths}
    if len(roots) == 1 and all("/" in path for path in bundle_paths):
        root = roots.pop()
        if f"{root}/{entrypoint}" in bundle_paths:
            return root
    return None


def rebase_manifest(bundle: Bundle, root: str) -> Bundle:
    """The manifest with ``root/`` removed from every path; the stored archive keeps it
    (:func:`extract` strips it again, by the same rule)."""
    files = [FileRecord(path=r.path[len(root) + 1 :], size=r.size, sha256=r.sha256) for r in bundle.files]
    return Bundle(file=bundle.file, files=files)


def extract(open_stored, name: str, destination, manifest: list[dict], entrypoint: str) -> None:
    """Unpack a stored archive into ``destination`` under the upload rules, checking
    every file against the manifest (same paths, sizes and sha256), or raise."""
    expected = {record["path"]: record for record in manifest}
    # Sizes are bounded by the manifest, checked while streaming; the ratio rule did its work at upload.
    limits = Limits(
        max_files=len(manifest), max_bytes=sum(r["size"] for r in manifest), max_ratio=2**31, max_members=2**31
    )
    with open_stored() as handle:
        paths = {normalise_path(raw) for raw, _, _ in archive_entries(handle, name, limits)}
    root = strip_common_root(paths, entrypoint)
    written = set()
    with open_stored() as handle:
        for raw, stream, size in archive_entries(handle, name, limits):
            path = normalise_path(raw)
            path = path[len(root) + 1 :] if root else path
            record = expected.get(path)
            if record is None or record["size"] != size or path in written:
                raise UploadRejected(f"{path}: the stored archive does not match its manifest.", code="manifest")
            target = destination / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as sink:
                digest, _ = _hash_exactly(stream, size, path, sink)
            if digest != record["sha256"]:
                raise UploadRejected(f"{path}: content does not match the manifest's sha256.", code="manifest")
            written.add(path)
    if written != set(expected):
        raise UploadRejected("The stored archive lacks files of its manifest.", code="manifest")


def rebase_bundle(bundle: Bundle, root: str, limits: Limits) -> Bundle:
    """A new bundle with ``root/`` removed from every path."""
    bundle.file.seek(0)
    with tarfile.open(fileobj=bundle.file, mode="r:gz") as source:
        entries = [
            (member.name[len(root) + 1 :], io.BytesIO(source.extractfile(member).read()), member.size)
            for member in source.getmembers()
        ]
    bundle.file.close()
    return build_bundle(entries, limits)
