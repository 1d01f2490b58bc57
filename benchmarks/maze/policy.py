"""Loading a submitted ONNX policy safely, and the output contract's checks.

Contract: ``OUTDIR/policy.onnx`` with one float32 input ``obs`` [N, 25] and a
float32 output ``action_scores`` [N, 4]; optional ``OUTDIR/policy.json``
``{"sampling": "greedy" | "softmax"}`` (default greedy). Symlinks are refused,
never followed.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np

from benchmarks.base import ScoringError
from benchmarks.maze.engine import N_ACTIONS, OBS_SIZE

POLICY_FILE, POLICY_META_FILE = "policy.onnx", "policy.json"
INPUT_NAME, OUTPUT_NAME = "obs", "action_scores"
MAX_POLICY_BYTES = 64 * 1024 * 1024
SAMPLING_MODES = ("greedy", "softmax")


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Bytes of ``path``; ScoringError if it is a symlink, not a file or too big."""
    if path.is_symlink():
        raise ScoringError(f"{path.name}: is a symbolic link; write a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise ScoringError(f"{path.name}: missing from the output directory") from None
    except OSError as exc:
        raise ScoringError(f"{path.name}: cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScoringError(f"{path.name}: is not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ScoringError(f"{path.name}: larger than {max_bytes // (1024 * 1024)} MiB")
    return data


def read_sampling(output_dir: Path) -> str:
    path = output_dir / POLICY_META_FILE
    if not path.exists() and not path.is_symlink():
        return "greedy"
    try:
        meta = json.loads(read_regular_file(path, 64 * 1024))
    except (ValueError, UnicodeDecodeError):
        raise ScoringError(f"{POLICY_META_FILE}: not valid JSON") from None
    sampling = meta.get("sampling", "greedy") if isinstance(meta, dict) else None
    if sampling not in SAMPLING_MODES:
        raise ScoringError(f"{POLICY_META_FILE}: 'sampling' must be one of {SAMPLING_MODES}, got {sampling!r}")
    return sampling


def _check_shape(what: str, shape, last: int) -> None:
    if len(shape) != 2 or shape[1] != last:
        raise ScoringError(f"{POLICY_FILE}: {what} must have shape [N, {last}], declares {list(shape)}")


def load_policy(output_dir: Path):
    """An onnxruntime session for ``OUTDIR/policy.onnx`` that passed every check."""
    import onnxruntime as ort

    data = read_regular_file(output_dir / POLICY_FILE, MAX_POLICY_BYTES)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types
        raise ScoringError(f"{POLICY_FILE}: not a loadable ONNX model ({str(exc).splitlines()[0][:200]})") from None
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if [i.name for i in inputs] != [INPUT_NAME]:
        raise ScoringError(
            f"{POLICY_FILE}: needs exactly one input named '{INPUT_NAME}', has {[i.name for i in inputs]}"
        )
    if inputs[0].type != "tensor(float)":
        raise ScoringError(f"{POLICY_FILE}: input '{INPUT_NAME}' must be float32, is {inputs[0].type}")
    _check_shape(f"input '{INPUT_NAME}'", inputs[0].shape, OBS_SIZE)
    by_name = {o.name: o for o in outputs}
    if OUTPUT_NAME not in by_name:
        raise ScoringError(f"{POLICY_FILE}: needs an output named '{OUTPUT_NAME}', has {list(by_name)}")
    if by_name[OUTPUT_NAME].type != "tensor(float)":
        raise ScoringError(f"{POLICY_FILE}: output '{OUTPUT_NAME}' must be float32, is {by_name[OUTPUT_NAME].type}")
    _check_shape(f"output '{OUTPUT_NAME}'", by_name[OUTPUT_NAME].shape, N_ACTIONS)
    probe = run_scores(session, np.zeros((3, OBS_SIZE), dtype=np.float32))
    if probe.shape != (3, N_ACTIONS):
        raise ScoringError(f"{POLICY_FILE}: returned shape {list(probe.shape)} for 3 observations, expected [3, 4]")
    return session


def run_scores(session, obs: np.ndarray) -> np.ndarray:
    try:
        scores = session.run([OUTPUT_NAME], {INPUT_NAME: obs})[0]
    except Exception as exc:
        raise ScoringError(
            f"{POLICY_FILE}: failed on a batch of {len(obs)} observations ({str(exc).splitlines()[0][:200]})"
        ) from None
    scores = np.asarray(scores)
    if scores.dtype != np.float32 or scores.shape != (len(obs), N_ACTIONS):
        raise ScoringError(
            f"{POLICY_FILE}: returned {scores.dtype} {list(scores.shape)}, expected float32 [{len(obs)}, 4]"
        )
    if not np.isfinite(scores).all():
        raise ScoringError(f"{POLICY_FILE}: returned NaN or infinite action scores")
    return scores
