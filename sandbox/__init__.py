"""Run untrusted submission code in a sandbox (plain Python, no Django).

    sandbox = get_sandbox(settings.LB_SANDBOX, debug=settings.DEBUG)
    outcome = sandbox.run(spec, log=log_file, should_cancel=..., on_tick=...)

See ``docs/security.md`` for what each backend contains.
"""

from __future__ import annotations

import logging

from .base import PLACEHOLDERS, ResourceClass, RunOutcome, RunSpec, Sandbox, SandboxUnavailable, format_mb
from .outputs import output_size_bytes, safe_output_files

__all__ = [
    "PLACEHOLDERS",
    "ResourceClass",
    "RunOutcome",
    "RunSpec",
    "Sandbox",
    "SandboxUnavailable",
    "format_mb",
    "get_sandbox",
    "output_size_bytes",
    "safe_output_files",
    "BACKENDS",
]

BACKENDS = ("bubblewrap", "docker", "none")
logger = logging.getLogger(__name__)


def get_sandbox(name: str, *, debug: bool, **options) -> Sandbox:
    """The backend called ``name``; ``options`` go to its constructor.

    ``none`` runs code unconfined and is refused unless ``debug`` is true.
    Raises :class:`SandboxUnavailable` for an unknown, refused or missing backend.
    """
    if name == "bubblewrap":
        from .bubblewrap import BubblewrapSandbox

        return BubblewrapSandbox(**options)
    if name == "docker":
        from .docker import DockerSandbox

        return DockerSandbox(**options)
    if name == "none":
        if not debug:
            raise SandboxUnavailable("LB_SANDBOX=none runs submissions unconfined and is refused when DEBUG is off")
        logger.warning(
            "UNSAFE: LB_SANDBOX=none - submissions run with the worker's rights, "
            "network and file system. Development only."
        )
        from .local import NoSandbox

        return NoSandbox(**options)
    raise SandboxUnavailable(f"unknown sandbox backend {name!r} (choose one of {', '.join(BACKENDS)})")
