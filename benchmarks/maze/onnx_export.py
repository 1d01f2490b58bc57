"""Export an SB3 policy network alone to ONNX and check it against SB3.

Contract: input ``obs`` float32 [N, 25]; output ``action_scores`` float32
[N, 4] (Q-values for DQN, action logits for PPO). N is dynamic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

INPUT_NAME, OUTPUT_NAME = "obs", "action_scores"


class _PpoLogits(nn.Module):
    def __init__(self, policy):
        super().__init__()
        self.features = policy.pi_features_extractor
        self.mlp = policy.mlp_extractor
        self.head = policy.action_net

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.head(self.mlp.forward_actor(self.features(obs)))


class _DqnQValues(nn.Module):
    def __init__(self, policy):
        super().__init__()
        self.q_net = policy.q_net

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.q_net(obs)


def scores_module(model, algorithm: str) -> nn.Module:
    module = _PpoLogits(model.policy) if algorithm == "ppo" else _DqnQValues(model.policy)
    return module.eval()


def export_onnx(model, algorithm: str, path: Path) -> Path:
    module = scores_module(model, algorithm)
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 25, dtype=torch.float32)
    with torch.no_grad():
        torch.onnx.export(
            module,
            (dummy,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "N"}, OUTPUT_NAME: {0: "N"}},
            opset_version=17,
            dynamo=False,
        )
    return path


def sb3_scores(model, algorithm: str, obs: np.ndarray) -> np.ndarray:
    """What SB3 itself computes: Q-values (DQN) or normalised log-probs (PPO)."""
    with torch.no_grad():
        tensor = torch.as_tensor(obs, dtype=torch.float32)
        if algorithm == "dqn":
            return model.policy.q_net(tensor).numpy()
        return model.policy.get_distribution(tensor).distribution.logits.numpy()


def verify_onnx(model, algorithm: str, path: Path, obs: np.ndarray, atol: float = 1e-5) -> dict[str, float]:
    """Raise ``AssertionError`` unless ONNX and SB3 agree on ``obs``.

    Argmax must match SB3's ``predict(deterministic=True)`` exactly; scores
    must match within ``atol`` (for PPO after log-softmax, because SB3's
    categorical distribution stores normalised logits).
    """
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_scores = session.run([OUTPUT_NAME], {INPUT_NAME: obs.astype(np.float32)})[0]
    expected = sb3_scores(model, algorithm, obs)
    compared = onnx_scores
    if algorithm == "ppo":
        shifted = onnx_scores - onnx_scores.max(axis=1, keepdims=True)
        compared = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    max_diff = float(np.abs(compared - expected).max())
    sb3_actions, _ = model.predict(obs, deterministic=True)
    mismatches = int((onnx_scores.argmax(axis=1) != sb3_actions).sum())
    if mismatches or max_diff > atol:
        raise AssertionError(
            f"ONNX export of {path.name} disagrees with SB3: {mismatches} argmax mismatches, "
            f"max score difference {max_diff:.2e} (allowed {atol:.0e})"
        )
    return {"observations": float(len(obs)), "max_abs_diff": max_diff, "argmax_mismatches": 0.0}
