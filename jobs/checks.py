"""System checks for the hidden-data seed (``manage.py check --deploy``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register

from jobs.scoring.seed import MIN_SEED_BITS, SEED_FILE, is_weak


@register(Tags.security, deploy=True)
def hidden_seed_strength(app_configs=None, **kwargs) -> list[Error]:
    """A short seed can be searched for from what the platform publishes (pictures, public data): every
    hidden label, mask and the public/private split follow from it."""
    errors = []
    fixed = int(settings.LB_HIDDEN_SEED or 0)
    if fixed and is_weak(fixed):
        errors.append(
            Error(
                f"LB_HIDDEN_SEED has {fixed.bit_length()} bits; a fixed hidden-data seed needs at least "
                f"{MIN_SEED_BITS}.",
                hint="Unset LB_HIDDEN_SEED (the installation draws 256 bits itself), or set it to "
                "python -c 'import secrets; print(secrets.randbits(256))'.",
                id="jobs.E001",
            )
        )
    path = Path(settings.DATA_DIR) / SEED_FILE
    if not fixed and path.exists():  # read only: a check never makes the seed
        try:
            stored = int(path.read_text().strip())
        except (OSError, ValueError):
            errors.append(Error(f"{path} is unreadable or not a number.", id="jobs.E002"))
        else:
            if is_weak(stored):
                errors.append(
                    Error(
                        f"{path} holds a legacy {stored.bit_length()}-bit hidden-data seed (hashes of it were "
                        "published by earlier versions).",
                        hint="Run `python manage.py rotate_hidden_data --all`: a new 256-bit seed and new hidden "
                        "data; then `rerun_stale` for each benchmark.",
                        id="jobs.E003",
                    )
                )
    return errors
