"""The rules an upload must pass, apart from reading it: which paths and extensions are allowed, the
size, count and ratio limits, and the one error they raise. submissions/archive.py reads archives under
these rules (and re-exports every name here); submissions/archive_bounds.py holds the per-member bounds."""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass

from core.errors import InvalidInput
from submissions.archive_bounds import MAX_META_BYTES

CODE_EXTENSIONS = {".py", ".yaml", ".yml", ".json", ".txt", ".md", ".toml", ".cfg", ".ini", ".csv"}
DATA_EXTENSIONS = CODE_EXTENSIONS | {
    ".npy",
    ".npz",
    ".png",
    ".jpg",
    ".jpeg",
    ".bmp",
    ".tif",
    ".tiff",
    ".onnx",
    ".pt",
    ".pth",
    ".ckpt",
    ".safetensors",
    ".bin",
    ".pkl",
}
ARCHIVE_EXTENSIONS = (".zip", ".tar", ".tar.gz", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar", ".whl")


class UploadRejected(InvalidInput):
    pass


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_bytes: int  # total uncompressed
    max_ratio: int  # uncompressed / compressed, for archives
    max_members: int = 0  # archive entries of any kind (folders, extended headers); 0: 2 x max_files + 16
    max_header_bytes: int = MAX_META_BYTES  # one GNU long-name or PAX header's payload

    @property
    def member_limit(self) -> int:
        return self.max_members or 2 * self.max_files + 16


def normalise_path(raw: str) -> str:
    """A safe relative POSIX path, or :class:`UploadRejected` saying why not."""
    name = unicodedata.normalize("NFC", raw)
    if "\\" in name:
        raise UploadRejected(f"{raw!r}: backslashes are not allowed in paths.", code="bad_path")
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        raise UploadRejected(f"{raw!r}: drive letters are not allowed.", code="bad_path")
    if name.startswith("/"):
        raise UploadRejected(f"{raw!r}: absolute paths are not allowed.", code="bad_path")
    if any(not ch.isprintable() for ch in name):
        raise UploadRejected(f"{raw!r}: control characters in path.", code="bad_path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise UploadRejected(f"{raw!r}: '..' is not allowed in paths.", code="bad_path")
    if not parts:
        raise UploadRejected(f"{raw!r}: empty path.", code="bad_path")
    if len(parts) > 16 or any(len(part) > 128 for part in parts):
        raise UploadRejected(f"{raw!r}: path too deep or a name too long.", code="bad_path")
    return "/".join(parts)


def check_extension(path: str) -> None:
    lower = path.lower()
    if lower.endswith(ARCHIVE_EXTENSIONS):
        raise UploadRejected(
            f"{path}: nested archives are not accepted; upload their contents instead.", code="nested_archive"
        )
    allowed = DATA_EXTENSIONS if lower.startswith("data/") else CODE_EXTENSIONS
    extension = posixpath.splitext(lower)[1]
    if extension not in allowed:
        where = "under data/" if lower.startswith("data/") else "outside data/"
        raise UploadRejected(
            f"{path}: extension {extension or '(none)'!r} is not allowed {where}; "
            f"allowed: {', '.join(sorted(allowed))}.",
            code="bad_extension",
        )


def _check_totals(uncompressed: int, compressed: int, limits: Limits) -> None:
    if uncompressed > limits.max_bytes:
        raise UploadRejected(
            f"archive: uncompressed size {uncompressed} bytes exceeds {limits.max_bytes}.", code="too_large"
        )
    if compressed and uncompressed / compressed > limits.max_ratio:
        raise UploadRejected(
            f"archive: expands {uncompressed / compressed:.0f}:1, over the {limits.max_ratio}:1 limit (zip bomb?).",
            code="zip_bomb",
        )
