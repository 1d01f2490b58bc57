"""What every run gets: placeholders, the platform on the path, reasons, cancel, heartbeat, live log."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from sandbox import ResourceClass, RunSpec, SandboxUnavailable, get_sandbox
from sandbox.bubblewrap import PROJECT_ROOT
from sandbox.supervise import LogSink

SMALL = ResourceClass(name="small", timeout_s=30, memory_mb=512, cpus=1.0, max_procs=64, max_output_mb=10)


def run(backend: str, tmp_path: Path, code: str, *, argv_tail=(), env=None, resources=SMALL, sandbox=None, **kwargs):
    code_dir = tmp_path / "code"
    code_dir.mkdir(exist_ok=True)
    (code_dir / "main.py").write_text(code)
    (tmp_path / "dataset").mkdir(exist_ok=True)
    (tmp_path / "dataset" / "public.txt").write_text("public")
    spec = RunSpec(
        argv=["{python}", "main.py", *argv_tail],
        code_dir=code_dir,
        output_dir=tmp_path / "out",
        dataset_dir=tmp_path / "dataset",
        resources=resources,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), **(env or {})},
        **{k: v for k, v in kwargs.items() if k in ("gpu_index", "extra_ro_dirs")},
    )
    sandbox = sandbox or get_sandbox(backend, debug=True)
    with open(tmp_path / "log.txt", "ab") as log:
        outcome = sandbox.run(spec, log=log, **{k: v for k, v in kwargs.items() if k in ("should_cancel", "on_tick")})
    return outcome, (tmp_path / "log.txt").read_text()


def test_none_is_refused_outside_debug_and_warns_inside(caplog):
    with pytest.raises(SandboxUnavailable):
        get_sandbox("none", debug=False)
    with caplog.at_level(logging.WARNING):
        assert get_sandbox("none", debug=True).name == "none"
    assert "UNSAFE" in caplog.text


def test_unknown_backend():
    with pytest.raises(SandboxUnavailable, match="unknown sandbox backend"):
        get_sandbox("chroot", debug=True)


def test_bubblewrap_view_of_paths_and_platform(tmp_path):
    code = (
        "import os, sys, benchmarks.base\n"
        "print('cwd', os.getcwd()); print('args', sys.argv[1:]); print('env', os.environ['LB_DATASET_DIR'])\n"
        "print('data', open(os.path.join(os.environ['LB_DATASET_DIR'], 'public.txt')).read())\n"
        "open(sys.argv[1] + '/pred.txt', 'w').write('ok')\n"
        "try:\n    open(os.environ['LB_DATASET_DIR'] + '/x', 'w')\nexcept OSError as e:\n"
        "    print('dataset read-only', e.errno)\n"
    )
    outcome, log = run(
        "bubblewrap", tmp_path, code, argv_tail=["{output}", "{tmp}"], env={"LB_DATASET_DIR": "{dataset}"}
    )
    assert outcome.kind == "ok" and outcome.exit_code == 0 and outcome.reason is None, log
    assert "cwd /sandbox/code" in log
    assert "args ['/sandbox/output', '/tmp']" in log
    assert "env /sandbox/dataset" in log and "data public" in log
    assert "dataset read-only 30" in log  # EROFS
    assert (tmp_path / "out" / "pred.txt").read_text() == "ok"


def test_project_secrets_are_covered(tmp_path):
    project = tmp_path / "project"
    (project / "var" / "jobs").mkdir(parents=True)
    (project / "var" / "db.sqlite3").write_text("database")
    (project / ".env").write_text("SECRET_KEY=s3cret")
    (project / "benchmarks").mkdir()
    (project / "benchmarks" / "__init__.py").write_text("NAME = 'visible'\n")
    code = (
        f"import os, benchmarks\nprint('pkg', benchmarks.NAME)\n"
        f"try:\n    print('env', repr(open('{project}/.env').read()))\n"
        f"except OSError as e:\n    print('env unreadable', e.errno)\n"
        f"print('var', os.listdir('{project}/var'))\n"
    )
    sandbox = get_sandbox(
        "bubblewrap", debug=False, project_root=project, hidden_paths=[project / ".env", project / "var"]
    )
    outcome, log = run("bubblewrap", tmp_path, code, env={"PYTHONPATH": str(project)}, sandbox=sandbox)
    assert outcome.kind == "ok", log
    assert "pkg visible" in log and "var []" in log
    assert "s3cret" not in log
    # Files are covered by /dev/null mounted without device access: empty or unopenable.
    assert "env ''" in log or "env unreadable 13" in log


@pytest.mark.parametrize("backend", ["bubblewrap", "none"])
def test_exit_code_reason(backend, tmp_path):
    outcome, log = run(backend, tmp_path, "import sys; print('bye'); sys.exit(3)")
    assert (outcome.kind, outcome.exit_code, outcome.reason) == ("exit", 3, "exit code 3")
    assert "bye" in log


@pytest.mark.parametrize("backend", ["bubblewrap", "none"])
def test_cancel_heartbeat_and_live_log(backend, tmp_path):
    seen_while_running = []

    def on_tick():
        seen_while_running.append((tmp_path / "log.txt").read_text())

    code = "import time\nprint('started', flush=True)\ntime.sleep(60)\n"
    outcome, _ = run(backend, tmp_path, code, on_tick=on_tick, should_cancel=lambda: len(seen_while_running) >= 2)
    assert (outcome.kind, outcome.reason, outcome.exit_code) == ("cancelled", "cancelled", None)
    assert "started" in seen_while_running[-1]  # the log was readable before the end
    assert outcome.duration_s < 10


def test_sandbox_setup_failure_is_not_blamed_on_the_submission(tmp_path):
    spec = RunSpec(
        argv=["{python}", "-c", "pass"],
        code_dir=tmp_path / "missing",
        output_dir=tmp_path / "out",
        dataset_dir=None,
        env={},
        resources=SMALL,
    )
    with open(tmp_path / "log", "ab") as log:
        outcome = get_sandbox("bubblewrap", debug=False).run(spec, log=log)
    assert outcome.kind == "sandbox_error"
    assert outcome.reason.startswith("bwrap: ")


@pytest.mark.parametrize("backend", ["bubblewrap", "none"])
def test_gpu_index_sets_visible_devices(backend, tmp_path):
    outcome, log = run(backend, tmp_path, "import os; print('cuda', os.environ['CUDA_VISIBLE_DEVICES'])", gpu_index=0)
    assert outcome.kind == "ok", log
    assert "cuda 0" in log
    assert outcome.peak_vram_mb >= 0.0


def test_log_is_capped():
    buffer = io.BytesIO()
    sink = LogSink(buffer, limit=10)
    sink.write(b"0123456789abcdef")
    sink.write(b"more")
    assert buffer.getvalue().startswith(b"0123456789\n[log truncated")
    assert sink.dropped == 10


def test_extra_dir_inside_a_hidden_data_dir_stays_visible(tmp_path):
    # The runner keeps dependency layers in LB_DATA_DIR/envs, and LB_DATA_DIR is hidden.
    project = tmp_path / "project"
    layer = project / "var" / "envs" / "abc" / "site-packages"
    (layer / "layered").mkdir(parents=True)
    (layer / "layered" / "__init__.py").write_text("WHO = 'layer'\n")
    (project / "var" / "db.sqlite3").write_text("database")
    code = f"import os, layered\nprint('who', layered.WHO)\nprint('var', sorted(os.listdir('{project}/var')))\n"
    sandbox = get_sandbox("bubblewrap", debug=False, project_root=project, hidden_paths=[project / "var"])
    outcome, log = run(
        "bubblewrap", tmp_path, code, env={"PYTHONPATH": str(layer)}, sandbox=sandbox, extra_ro_dirs=[layer]
    )
    assert outcome.kind == "ok", log
    assert "who layer" in log
    assert "var ['envs']" in log  # the layer's path, nothing else of the data dir


def test_one_file_stopped_at_the_output_limit(tmp_path):
    # Exactly at the limit is not "over" it by size; the EFBIG from RLIMIT_FSIZE says it is.
    code = "open('/sandbox/output/big', 'wb').write(b'x' * (11 * 2**20))\n"
    outcome, log = run("bubblewrap", tmp_path, code)
    assert (outcome.kind, outcome.reason) == ("output_limit", "output over 10 MiB"), log
    assert (tmp_path / "out" / "big").stat().st_size == 10 * 2**20
