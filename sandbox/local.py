"""The ``none`` backend: a plain subprocess, for development only.

It has the same timeout, cancel, output-limit and log handling as the real
backends, and nothing else: the process sees the whole host file system and
network, runs as the worker's user, and a child that leaves the process group
(``setsid``) survives the kill. The hostile-submission tests run against it
to show that each of them would escape without a sandbox.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .base import RunOutcome, RunSpec, substitute_spec
from .supervise import Launch, supervise


class NoSandbox:
    name = "none"

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    def run(
        self,
        spec: RunSpec,
        *,
        log: BinaryIO,
        should_cancel: Callable[[], bool] = lambda: False,
        on_tick: Callable[[], None] | None = None,
    ) -> RunOutcome:
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="lb-none-tmp-") as scratch:
            return self._run(spec, Path(scratch), log, should_cancel, on_tick)

    def _run(
        self,
        spec: RunSpec,
        scratch: Path,
        log: BinaryIO,
        should_cancel: Callable[[], bool],
        on_tick: Callable[[], None] | None,
    ) -> RunOutcome:
        view = {
            "python": self.python,
            "code": str(spec.code_dir),
            "output": str(spec.output_dir),
            "dataset": str(spec.dataset_dir or ""),
            "tmp": str(scratch),
        }
        argv, env = substitute_spec(spec, view)
        if spec.gpu_index is not None:
            env["CUDA_VISIBLE_DEVICES"] = str(spec.gpu_index)
        launch = Launch(argv=argv, env=env, cwd=str(spec.code_dir))
        return supervise(spec, launch, log=log, should_cancel=should_cancel, on_tick=on_tick)
