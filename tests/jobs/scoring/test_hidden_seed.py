"""The hidden-data seed: 256 bits from ``secrets``, old files still read, per-benchmark seeds derived with
HMAC at full width, and ``check --deploy`` refusing a short fixed seed or a legacy seed file."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest
from django.core import checks

from jobs.scoring import seed
from jobs.scoring.seed import SEED_FILE, benchmark_seed, bump_generation, installation_seed, replace_installation_seed


def deploy_errors() -> list[str]:
    return [
        message.id
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        if message.id and message.id.startswith("jobs.")
    ]


def test_a_new_seed_has_256_bits_from_secrets_in_a_0600_file(tmp_path):
    drawn = [installation_seed(tmp_path / f"d{i}") for i in range(8)]
    assert len(set(drawn)) == 8
    # 256 random bits: the top 8 are all zero for one seed in 256, never for all eight.
    assert max(value.bit_length() for value in drawn) > 248
    assert all(value < 2**256 for value in drawn)
    assert all(value.bit_length() >= seed.MIN_SEED_BITS for value in drawn)
    mode = stat.S_IMODE((tmp_path / "d0" / SEED_FILE).stat().st_mode)
    assert mode == 0o600


def test_an_old_31_bit_seed_file_is_still_read(tmp_path):
    (tmp_path / SEED_FILE).write_text("1234567\n")
    assert installation_seed(tmp_path) == 1234567
    assert seed.is_weak(1234567)


def test_a_replaced_seed_file_is_read_again(tmp_path):
    first = installation_seed(tmp_path)
    second = replace_installation_seed(tmp_path)
    assert second != first and installation_seed(tmp_path) == second
    assert stat.S_IMODE((tmp_path / SEED_FILE).stat().st_mode) == 0o600


def test_benchmark_seeds_are_full_width_hmacs_per_slug_label_and_generation(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.LB_HIDDEN_SEED = 2**200 + 12345
    key = hmac.new(settings.LB_HIDDEN_SEED.to_bytes(32, "big"), b"maze:0", hashlib.sha256).digest()
    expected = int.from_bytes(hmac.new(key, b"eval", hashlib.sha256).digest(), "big")
    assert benchmark_seed("maze", "eval") == expected
    assert expected.bit_length() > 200
    others = {benchmark_seed("maze", "split"), benchmark_seed("anomaly-brick", "eval"), expected}
    assert len(others) == 3

    assert bump_generation("maze") == 1
    assert benchmark_seed("maze", "eval") != expected  # the rotated benchmark: new seeds
    assert benchmark_seed("anomaly-brick", "eval") in others  # the others keep theirs
    assert seed.generations() == {"maze": 1}


def test_the_settings_hand_benchmarks_derived_seeds_never_the_installation_seed(settings, tmp_path):
    from benchmarks.anomaly import benchmarks as anomaly_benchmarks
    from benchmarks.maze import benchmarks as maze_benchmarks

    settings.DATA_DIR = tmp_path
    settings.LB_HIDDEN_SEED = 2**255 + 99
    (brick,) = anomaly_benchmarks(**settings.LB_BENCHMARK_OPTIONS["benchmarks.anomaly"], synthetic_categories=["brick"])
    (maze,) = maze_benchmarks(**settings.LB_BENCHMARK_OPTIONS["benchmarks.maze"])
    assert brick._seed == benchmark_seed("anomaly-brick", "anomaly")
    assert (maze.eval_seed, maze.split_seed, maze.sampling_seed) == tuple(
        benchmark_seed("maze", label) for label in ("eval", "split", "sampling")
    )
    assert settings.LB_HIDDEN_SEED not in (brick._seed, maze.eval_seed, maze.split_seed, maze.sampling_seed)


@pytest.mark.parametrize(
    "fixed, errors", [(2**31 - 2, ["jobs.E001"]), (2**127 - 1, ["jobs.E001"]), (2**127, []), (2**255 + 7, [])]
)
def test_check_deploy_errors_for_a_fixed_seed_under_128_bits(settings, tmp_path, fixed, errors):
    settings.DATA_DIR = tmp_path
    settings.LB_HIDDEN_SEED = fixed
    assert deploy_errors() == errors


def test_check_deploy_errors_for_a_legacy_seed_file_and_makes_no_seed(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.LB_HIDDEN_SEED = 0
    assert deploy_errors() == [] and not (tmp_path / SEED_FILE).exists()  # a check never makes the seed
    (tmp_path / SEED_FILE).write_text("1234567")
    assert deploy_errors() == ["jobs.E003"]
    replace_installation_seed(tmp_path)
    assert deploy_errors() == []


def test_manage_py_check_deploy_fails_on_a_short_fixed_seed(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        LB_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings",
        LB_HIDDEN_SEED="123456789",
        LB_BENCHMARKS="tests.support.toy:benchmarks",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "jobs.E001" in done.stderr and "LB_HIDDEN_SEED has 27 bits" in done.stderr
