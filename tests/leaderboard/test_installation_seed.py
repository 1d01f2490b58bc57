"""The hidden-data seed is made at run time, never by importing settings (or building an image)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from jobs.scoring.seed import SEED_FILE, installation_seed

ROOT = Path(__file__).resolve().parents[2]


def test_importing_settings_writes_nothing_into_an_empty_data_dir(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("LB_HIDDEN_SEED", "DJANGO_SETTINGS_MODULE")}
    env.update(LB_DATA_DIR=str(data_dir), PYTHONDONTWRITEBYTECODE="1")
    code = "import config.settings as s; opts = s.LB_BENCHMARK_OPTIONS; print(s.STATIC_ROOT)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert list(data_dir.iterdir()) == []
    static_root = Path(done.stdout.strip())
    assert data_dir not in static_root.parents  # collectstatic writes into the image, not the volume


def test_the_seed_is_made_by_its_first_reader_once(tmp_path):
    seeds: list[int] = []
    threads = [threading.Thread(target=lambda: seeds.append(installation_seed(tmp_path / "d"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = int((tmp_path / "d" / SEED_FILE).read_text())
    assert seeds == [stored] * 4
    assert stored > 0
    assert [p.name for p in (tmp_path / "d").iterdir()] == [SEED_FILE]  # no temporary file left


def test_bootstrap_makes_the_seed(tmp_path):
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("LB_HIDDEN_SEED", "DATABASE_URL", "REDIS_URL")}
    env.update(
        LB_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        LB_BENCHMARKS="tests.support.toy:benchmarks",
    )
    for command in (["migrate", "--noinput", "-v", "0"], ["bootstrap"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        if command[0] == "migrate":
            assert not (data_dir / SEED_FILE).exists()
    assert int((data_dir / SEED_FILE).read_text()) > 0
