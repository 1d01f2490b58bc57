"""core.secret_files: the installation's secrets are made 0600, once; scripts/run.sh
keeps make run's admin password with it (var/admin-password was 0644)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from core.secret_files import ensure_secret

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / "scripts" / "run.sh"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _as_run_sh(path: Path) -> str:
    """The command scripts/run.sh runs for the admin password, under the usual umask 022."""
    done = subprocess.run(
        ["sh", "-c", f'umask 022 && "{sys.executable}" -m core.secret_files "$0" 12', str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_run_sh_makes_the_admin_password_with_the_helper_only():
    text = RUN_SH.read_text()
    assert re.search(r'\$py -m core\.secret_files "\$LB_DATA_DIR/admin-password" 12', text)
    writes = [line for line in text.splitlines() if "admin-password" in line and ">" in line]
    assert writes == [], writes  # no shell redirection (0644 under umask 022) writes it


def test_the_admin_password_is_written_0600(tmp_path):
    path = tmp_path / "var" / "admin-password"
    password = _as_run_sh(path)
    assert _mode(path) == 0o600
    assert path.read_text().strip() == password and len(password) >= 16
    assert _as_run_sh(path) == password  # made once


def test_a_password_left_0644_is_made_0600_and_kept(tmp_path):
    path = tmp_path / "admin-password"
    path.write_text("old-password\n")
    os.chmod(path, 0o644)
    assert _as_run_sh(path) == "old-password"
    assert _mode(path) == 0o600


def test_two_files_two_secrets_and_no_temporary_left(tmp_path):
    one, two = ensure_secret(tmp_path / "a"), ensure_secret(tmp_path / "b")
    assert one != two
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
