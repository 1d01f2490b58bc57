"""Writes for submissions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import default_storage

from benchmarks import registry
from core.errors import InvalidInput, NotFound
from core.method_card import method_card
from phases import selectors as phases
from submissions import archive, config_params
from submissions.models import Submission
from teams import selectors as teams

logger = logging.getLogger(__name__)


def _limits() -> archive.Limits:
    return archive.Limits(
        max_files=settings.LB_UPLOAD_MAX_FILES,
        max_bytes=settings.LB_UPLOAD_MAX_UNCOMPRESSED_BYTES,
        max_ratio=settings.LB_UPLOAD_MAX_RATIO,
    )


def _check_entrypoint(entrypoint: str) -> str:
    path = archive.normalise_path(entrypoint)
    if not path.endswith(".py"):
        raise InvalidInput(f"entrypoint {entrypoint!r} must be a .py file.", code="bad_entrypoint")
    return path


def _build(upload: IO[bytes] | None, upload_name: str, files: Sequence) -> archive.Bundle:
    limits = _limits()
    if upload is not None and files:
        raise InvalidInput("Send either 'archive' or 'files', not both.", code="ambiguous_upload")
    if upload is not None:  # stored as received: checked and hashed, not rewritten
        return archive.build_manifest(upload, upload_name, limits)
    if files:
        entries = ((getattr(f, "relative_path", None) or f.name, f, f.size) for f in files)
        return archive.build_bundle(entries, limits)
    raise InvalidInput("No code uploaded: send an 'archive' (.zip/.tar.gz) or one or more 'files'.", code="empty")


def submission_create(
    *,
    owner: AbstractBaseUser,
    benchmark: str,
    method: str,
    entrypoint: str = "main.py",
    config_file: str = "config.yaml",
    upload: IO[bytes] | None = None,
    upload_name: str = "",
    files: Sequence = (),
    description: str = "",
    paper_url: str = "",
    code_url: str = "",
    team_id: int | None = None,
) -> Submission:
    try:
        registry.get(benchmark)
    except registry.UnknownBenchmark:
        known = ", ".join(b.slug for b in registry.all_benchmarks())
        raise InvalidInput(f"Unknown benchmark {benchmark!r}; known: {known}.", code="unknown_benchmark") from None
    phases.admit_upload(benchmark=benchmark)  # 409 outside a running phase
    if team_id is not None and not teams.is_member(user=owner, team_id=team_id):
        raise NotFound(f"No team {team_id} of yours.", code="not_in_team")
    method = (method or "").strip()
    if not method or len(method) > 100:
        raise InvalidInput("method must be a name of 1 to 100 characters.", code="bad_method")
    if not method.isprintable():  # it becomes an MLflow tag and run name
        raise InvalidInput("method must not contain control characters.", code="bad_method")
    card = method_card(description=description, paper_url=paper_url, code_url=code_url)  # InvalidInput if bad
    entrypoint = _check_entrypoint(entrypoint or "main.py")
    config_file = archive.normalise_path(config_file or "config.yaml")

    bundle = _build(upload, upload_name, files)
    suffix = archive.stored_suffix(upload_name) if upload is not None else ".tar.gz"
    try:
        root = archive.strip_common_root(bundle.paths(), entrypoint)
        if root:
            bundle = (
                archive.rebase_manifest(bundle, root)
                if upload is not None
                else archive.rebase_bundle(bundle, root, _limits())
            )
        for required, role in ((entrypoint, "entrypoint"), (config_file, "config_file")):
            if required not in bundle.paths():
                raise InvalidInput(f"{role} {required!r} is not in the upload.", code=f"missing_{role}")
        config = _check_config(
            bundle, upload_name if upload is not None else ".tar.gz", config_file, root if upload is not None else None
        )
        return _store(
            bundle,
            suffix,
            config=config,
            owner=owner,
            benchmark=benchmark,
            method=method,
            entrypoint=entrypoint,
            config_file=config_file,
            description=card.description,
            paper_url=card.paper_url,
            code_url=card.code_url,
            team_id=team_id,
        )
    finally:
        bundle.file.close()


def _check_config(bundle: archive.Bundle, archive_name: str, config_file: str, root: str | None) -> dict:
    """The config file under submissions.config_params's rules (its keys become MLflow params):
    refused here, at upload, rather than after a job has been scored. Returns its params (kept with the
    submission for comparisons: bounded by the same rules)."""
    size = next(record.size for record in bundle.files if record.path == config_file)
    if size > config_params.MAX_CONFIG_BYTES:
        raise InvalidInput(
            f"config_file {config_file!r} is larger than {config_params.MAX_CONFIG_BYTES // 1024} KiB.",
            code="config_too_large",
        )
    data = b""
    bundle.file.seek(0)
    try:
        for raw, stream, _ in archive.archive_entries(bundle.file, archive_name, _limits()):
            path = archive.normalise_path(raw)
            if (path[len(root) + 1 :] if root else path) == config_file:
                data = stream.read(config_params.MAX_CONFIG_BYTES + 1)
                break
    finally:
        bundle.file.seek(0)
    try:
        return config_params.read_params(data, strict=True)
    except config_params.ConfigProblem as problem:
        raise InvalidInput(f"config_file {config_file!r}: {problem}", code=problem.code) from None


def _store(bundle: archive.Bundle, suffix: str, **fields) -> Submission:
    submission = Submission(
        sha256=bundle.tree_sha256,
        size_bytes=bundle.size_bytes,
        files=[{"path": r.path, "size": r.size, "sha256": r.sha256} for r in bundle.files],
        **fields,
    )
    # An upload spooled to a temporary file is moved into storage, not copied.
    content = bundle.file if isinstance(bundle.file, File) else File(bundle.file)
    name = default_storage.save(f"{submission.id}{suffix}", content)
    submission.archive.name = name
    try:
        # One statement, atomic on its own: no transaction around it (two round trips fewer).
        submission.save(force_insert=True)
    except BaseException:
        default_storage.delete(name)  # no orphan archive when the row fails
        raise
    return submission
