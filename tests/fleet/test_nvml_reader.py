"""The NVML reader where there is no usable GPU: nvidia-ml-py missing, the
library missing (this machine), and a library that is installed but finds no
driver. In every case: "no GPU", no readings, and a run's peak VRAM of 0.

The last case loads a real shared library standing in for libnvidia-ml.so.1
whose nvmlInit returns NVML_ERROR_DRIVER_NOT_LOADED, as on a host with the
library but without the kernel driver. These tests import no Django."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHECK = textwrap.dedent("""
    import json, subprocess, sys
    from core.nvml import NvmlReader, GpuPoller
    from sandbox.gpu import GpuPeakMonitor
    reader = NvmlReader()
    poller = GpuPoller(reader, interval_s=0.05)
    monitor = GpuPeakMonitor(0, poller=poller)
    monitor.start()
    proc = subprocess.Popen([sys.executable, "-c", "print('run')"])
    monitor.watch(proc.pid); proc.wait()
    print(json.dumps({"available": reader.available, "reason": reader.reason, "status": reader.status,
                      "gpus": reader.gpus(), "readings": reader.read(), "peak": monitor.stop(),
                      "django": "django" in sys.modules}))
""")


def _run(env: dict) -> dict:
    import json

    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _assert_no_gpu(report: dict, why: str) -> None:
    assert report["available"] is False
    assert why in report["reason"]
    assert report["status"].startswith("no GPU (") and why in report["status"]
    assert report["gpus"] == [] and report["readings"] == [] and report["peak"] == 0.0
    assert report["django"] is False  # the reader runs on a bare GPU host


def test_without_nvidia_ml_py(tmp_path):
    # A pynvml that cannot be imported shadows the installed one.
    (tmp_path / "pynvml.py").write_text("raise ImportError('no nvidia-ml-py here')\n")
    _assert_no_gpu(_run({"PYTHONPATH": f"{tmp_path}:{ROOT}"}), "nvidia-ml-py is not installed")


def test_without_the_nvml_library():
    if Path("/dev/nvidiactl").exists():
        pytest.skip("this machine has an NVIDIA driver")
    _assert_no_gpu(_run({}), "NVML Shared Library Not Found")


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to build the stand-in library")
def test_with_the_library_but_no_driver(tmp_path):
    source = tmp_path / "nvml.c"
    # NVML_ERROR_DRIVER_NOT_LOADED = 9; pynvml calls nvmlInitWithFlags (or nvmlInit_v2).
    source.write_text(
        "int nvmlInitWithFlags(unsigned int f) { return 9; }\n"
        "int nvmlInit_v2(void) { return 9; }\n"
        "int nvmlInit(void) { return 9; }\n"
    )
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(tmp_path / "libnvidia-ml.so.1"), str(source)], check=True)
    _assert_no_gpu(_run({"LD_LIBRARY_PATH": str(tmp_path)}), "Driver Not Loaded")
