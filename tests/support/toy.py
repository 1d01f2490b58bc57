"""A tiny benchmark for exercising the platform without ML.

Public data: ``numbers.json`` (a list of integers). The submission writes
``OUTDIR/predictions.json``: for each number, whether it is even. Hidden
truth: the right answers, split into public and private items. Metric
``accuracy`` (primary) and ``errors`` (lower is better, not ranked).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from benchmarks.base import Benchmark, Metric, RunInfo, Score, ScoringError

N_ITEMS = 40


class ToyBenchmark(Benchmark):
    slug = "toy"
    title = "Toy parity"
    description = "Say whether each number is even."
    metrics = (Metric("accuracy"), Metric("errors", higher_is_better=False, ranked=False))
    primary_metric = "accuracy"
    version = "1"
    seeds = {"split": 7}
    suite = "toy-suite"  # a suite of one member: its board's routes exist in every test world

    def prepare(self, public_dir: Path, hidden_dir: Path) -> None:
        numbers = list(range(100, 100 + N_ITEMS))
        (public_dir / "numbers.json").write_text(json.dumps(numbers))
        rng = np.random.default_rng(self.seeds["split"])
        private = sorted(rng.choice(N_ITEMS, N_ITEMS // 2, replace=False).tolist())
        (hidden_dir / "truth.json").write_text(json.dumps({"even": [n % 2 == 0 for n in numbers], "private": private}))

    def score(self, output_dir: Path, hidden_dir: Path, *, artifact_dir: Path, run_info: RunInfo = RunInfo()) -> Score:
        path = output_dir / "predictions.json"
        if path.is_symlink() or not path.is_file():
            raise ScoringError("predictions.json: missing (write a JSON list of booleans)")
        try:
            predictions = json.loads(path.read_text())
        except ValueError as exc:
            raise ScoringError(f"predictions.json: not JSON ({exc})") from None
        truth = json.loads((hidden_dir / "truth.json").read_text())
        if not isinstance(predictions, list) or len(predictions) != len(truth["even"]):
            raise ScoringError(f"predictions.json: expected a list of {len(truth['even'])} booleans")
        correct = np.array([p == t for p, t in zip(predictions, truth["even"])], dtype=np.float64)
        private = np.zeros(len(correct), dtype=bool)
        private[truth["private"]] = True
        (artifact_dir / "summary.txt").write_text(f"correct: {int(correct.sum())}\n")
        _strip_png(artifact_dir / "correct_per_item.png", correct[~private])
        return Score(
            metrics=self._metrics(correct[~private]),
            private_metrics=self._metrics(correct[private]),
            artifacts=[artifact_dir / "summary.txt", artifact_dir / "correct_per_item.png"],
            items={"value": correct[~private]},
            private_items={"value": correct[private]},
        )

    @staticmethod
    def _metrics(correct: np.ndarray) -> dict[str, float]:
        return {
            "accuracy": float(correct.mean()) if len(correct) else math.nan,
            "errors": float(len(correct) - correct.sum()),
        }


def _strip_png(path: Path, correct: np.ndarray, cell: int = 12) -> None:
    """A picture like the real benchmarks make: one green (right) or red (wrong) cell per public item."""
    import struct
    import zlib

    colours = np.where(correct[:, None].astype(bool), [[22, 163, 74]], [[220, 38, 38]]).astype(np.uint8)
    row = np.repeat(colours, cell, axis=0).reshape(-1)
    height, width = cell, len(correct) * cell
    raw = b"".join(b"\x00" + row.tobytes() for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def benchmarks(**_options) -> list[Benchmark]:
    return [ToyBenchmark()]
