"""ONNX policy files: contract checks on upload and cached inference sessions."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

OBS_NAME, SCORES_NAME = "obs", "action_scores"
OBS_SIZE, N_ACTIONS = 25, 4


class PolicyInvalid(ValueError):
    """The file breaks the policy contract; the message says how."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread: a step is one tiny matmul chain, and many viewers share few cores.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def _dim_ok(dim, expected: int) -> bool:
    return dim == expected or not isinstance(dim, int)  # symbolic batch dims are fine


def validate(path: Path) -> None:
    """Raise :class:`PolicyInvalid` unless ``path`` is an ONNX policy with input
    ``obs`` float32 [N, 25] and output ``action_scores`` float32 [N, 4]."""
    import onnx

    try:
        onnx.checker.check_model(str(path))
        session = _session(path)
    except Exception as exc:  # onnx and onnxruntime raise many types
        raise PolicyInvalid(f"not a loadable ONNX model: {str(exc).splitlines()[0][:200]}") from exc
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name: o for o in session.get_outputs()}
    if list(inputs) != [OBS_NAME]:
        raise PolicyInvalid(f"expected exactly one input named {OBS_NAME!r}, found {sorted(inputs)}")
    if SCORES_NAME not in outputs:
        raise PolicyInvalid(f"expected an output named {SCORES_NAME!r}, found {sorted(outputs)}")
    obs, scores = inputs[OBS_NAME], outputs[SCORES_NAME]
    for arg, width in ((obs, OBS_SIZE), (scores, N_ACTIONS)):
        if arg.type != "tensor(float)":
            raise PolicyInvalid(f"{arg.name!r} must be float32, is {arg.type}")
        if len(arg.shape) != 2 or not _dim_ok(arg.shape[1], width):
            raise PolicyInvalid(f"{arg.name!r} must have shape [N, {width}], has {arg.shape}")
    probe = np.zeros((3, OBS_SIZE), dtype=np.float32)
    try:
        result = session.run([SCORES_NAME], {OBS_NAME: probe})[0]
    except Exception as exc:
        raise PolicyInvalid(f"running the model on [3, {OBS_SIZE}] failed: {str(exc)[:200]}") from exc
    if result.shape != (3, N_ACTIONS) or result.dtype != np.float32:
        raise PolicyInvalid(
            f"{SCORES_NAME!r} came back {result.dtype}{list(result.shape)}, expected float32[3, {N_ACTIONS}]"
        )


class Policy:
    """A loaded ONNX session; ``scores(obs)`` returns float32 [N, 4]."""

    def __init__(self, path: Path):
        self.session = _session(path)

    def scores(self, obs: np.ndarray, run_options=None) -> np.ndarray:
        """``run_options``: an ``onnxruntime.RunOptions`` whose ``terminate`` another thread may set
        to stop this run (the viewer's per-step timeout)."""
        return self.session.run([SCORES_NAME], {OBS_NAME: np.asarray(obs, dtype=np.float32)}, run_options=run_options)[
            0
        ]


def run_options():
    """A fresh ``RunOptions`` for one call: setting its ``terminate`` aborts that call only."""
    import onnxruntime as ort

    return ort.RunOptions()


_cache: dict[tuple[int, str], Policy] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 16


def cached_policy(model_id: int, sha256: str, path: Path) -> Policy:
    """One session per (model id, file hash) per process, shared by every socket."""
    key = (model_id, sha256)
    with _cache_lock:
        policy = _cache.get(key)
        if policy is None:
            if len(_cache) >= CACHE_SIZE:
                _cache.pop(next(iter(_cache)))  # oldest first
            policy = _cache[key] = Policy(path)
        return policy
