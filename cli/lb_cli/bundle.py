"""A folder becomes a zip, leaving out what .gitignore (and .git itself) leaves out."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pathspec

# .gitignore itself is metadata, not code (the platform accepts no dotfiles outside data/).
ALWAYS_SKIPPED = [".git/", ".gitignore", "__pycache__/", "*.pyc", ".venv/"]


def zip_folder(folder: Path) -> Path:
    lines = list(ALWAYS_SKIPPED)
    ignore = folder / ".gitignore"
    if ignore.exists():
        lines += ignore.read_text().splitlines()
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    handle = tempfile.NamedTemporaryFile(prefix="lb-", suffix=".zip", delete=False)
    handle.close()
    with zipfile.ZipFile(handle.name, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.is_dir() or path.is_symlink() or spec.match_file(relative):
                continue
            archive.write(path, relative)
    return Path(handle.name)
