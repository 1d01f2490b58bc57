"""The ``maze`` benchmark: public training mazes, hidden evaluation mazes, ONNX scoring.

Public data (``LB_DATASET_DIR``): ``train_mazes.json`` (maze-set schema in
:mod:`benchmarks.maze.mazes`) and ``README.txt``. Submissions import the env
from this project (``import benchmarks.maze``): the platform's Python path
includes it.

Hidden data: ``eval_mazes.json`` (other seeds) and ``split.json`` (a fixed,
seeded public/private split of the evaluation mazes, and the seed of the
scorer's softmax sampling). Every seed of the hidden part is secret: the
platform passes ``seed_for`` (256-bit HMAC-derived seeds, one per use), and
nothing public (trajectory pictures, maze ids ``eval-NNNN``) carries one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.base import Benchmark, Metric, RunInfo, Score, Seed, Slice, resolve_seed
from benchmarks.maze.engine import MAX_STEPS, OBS_ENCODING_VERSION
from benchmarks.maze.mazes import generate_maze_set, load_maze_set, save_maze_set
from benchmarks.maze.policy import load_policy, read_sampling

TRAIN_FILE, EVAL_FILE, SPLIT_FILE = "train_mazes.json", "eval_mazes.json", "split.json"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Shortest-path length bins (steps, inclusive) of the per-slice success table; the last is open-ended.
# Hidden 10×10 "hard" mazes have paths of about 18–46 steps (quartiles 26, 30, 36).
PATH_BINS = ((1, 24), (25, 29), (30, 35), (36, 10**6))  # about a quarter of the hidden mazes each
PUBLIC_README = f"""Maze-navigation benchmark: public data.

train_mazes.json  training mazes (schema leaders-board/maze-set/v1, see docs/benchmarks/maze.md).

The env: `import benchmarks.maze; gymnasium.make("leaders_board/Maze-v0", mazes=load_maze_set(...))`
(`from benchmarks.maze.mazes import load_maze_set`). Observation encoding {OBS_ENCODING_VERSION}.
Write OUTDIR/policy.onnx: input 'obs' float32 [N, 25], output 'action_scores' float32 [N, 4]
(actions up, down, left, right); optional OUTDIR/policy.json {{"sampling": "greedy"|"softmax"}}.
"""


class MazeBenchmark(Benchmark):
    slug = "maze"
    title = "Maze navigation (ONNX policy)"
    description = (
        "Navigate unseen 10×10 mazes from a 5×5 local view with recency-coded visited cells. "
        "Submit an ONNX policy; it is run on hidden mazes."
    )
    metrics = (
        Metric("success_rate", True, "Success rate", unit="%", precision=1),
        Metric("mean_reward", True, "Mean reward", precision=2),
        Metric("mean_steps", False, "Mean steps (successes)", unit="steps", precision=1),
        Metric("path_efficiency", True, "Path efficiency", unit="%", precision=1),
        # A policy step takes well under a millisecond: two decimals keep it from reading 0.0.
        Metric("inference_time_ms", False, "Step p95", ranked=False, unit="ms", precision=2),
    )
    primary_metric = "success_rate"
    version = "1"
    private_fraction = 0.5
    produces_policy = True  # submissions write policy.onnx: the agents registry and viewer take it
    example_dirs = (PROJECT_ROOT / "examples" / "maze-ppo", PROJECT_ROOT / "examples" / "maze-dqn")

    def __init__(
        self,
        train_count: int = 500,
        eval_count: int = 200,
        episodes_per_maze: int = 3,
        train_seed: int = 1000,
        eval_seed: Seed = 900_000,
        split_seed: Seed = 7,
        trajectory_pictures: int = 4,
        sampling_seed: Seed | None = None,
        seed_for: Callable[[str, str], int] | None = None,
    ):
        """``seed_for(slug, label)``, when given, supplies the hidden seeds (labels ``eval``, ``split``,
        ``sampling``) in place of ``eval_seed``, ``split_seed`` and ``sampling_seed``."""
        self.train_count, self.eval_count = train_count, eval_count
        self.episodes_per_maze = episodes_per_maze
        self.train_seed = train_seed
        if seed_for is not None:
            eval_seed, split_seed, sampling_seed = (
                partial(seed_for, self.slug, label) for label in ("eval", "split", "sampling")
            )
        self._eval_seed, self._split_seed = eval_seed, split_seed
        self._sampling_seed = split_seed if sampling_seed is None else sampling_seed
        self.trajectory_pictures = trajectory_pictures

    @property
    def eval_seed(self) -> int:
        return resolve_seed(self._eval_seed)

    @property
    def split_seed(self) -> int:
        return resolve_seed(self._split_seed)

    @property
    def sampling_seed(self) -> int:
        return resolve_seed(self._sampling_seed)

    @property
    def fingerprint(self) -> str:
        """Secret (it hashes the hidden seeds): decides whether prepared data is current; never published."""
        facts = {
            "version": self.version,
            "train": [self.train_seed, self.train_count],
            "eval": [self.eval_seed, self.eval_count],
            "split": [self.split_seed, self.private_fraction],
            "sampling": self.sampling_seed,
        }
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]

    # -- data ---------------------------------------------------------------
    def prepare(self, public_dir: Path, hidden_dir: Path) -> None:
        public_dir, hidden_dir = Path(public_dir), Path(hidden_dir)
        public_dir.mkdir(parents=True, exist_ok=True)
        hidden_dir.mkdir(parents=True, exist_ok=True)
        if not (public_dir / TRAIN_FILE).exists():
            mazes = generate_maze_set("train", self.train_seed, self.train_count)
            save_maze_set(public_dir / TRAIN_FILE, mazes, name="train", seed=self.train_seed)
        if not (public_dir / "README.txt").exists():
            (public_dir / "README.txt").write_text(PUBLIC_README)
        if not (hidden_dir / EVAL_FILE).exists():
            mazes = generate_maze_set("eval", self.eval_seed, self.eval_count)
            save_maze_set(hidden_dir / EVAL_FILE, mazes, name="eval", seed=self.eval_seed)
        if not (hidden_dir / SPLIT_FILE).exists():
            ids = [m.id for m in load_maze_set(hidden_dir / EVAL_FILE)]
            order = np.random.default_rng(self.split_seed).permutation(len(ids))
            n_private = int(round(self.private_fraction * len(ids)))
            split = {
                "seed": self.split_seed,
                "sampling_seed": self.sampling_seed,
                "private_fraction": self.private_fraction,
                "private": sorted(ids[i] for i in order[:n_private]),
                "public": sorted(ids[i] for i in order[n_private:]),
            }
            tmp = hidden_dir / (SPLIT_FILE + ".tmp")
            tmp.write_text(json.dumps(split, indent=1))
            tmp.replace(hidden_dir / SPLIT_FILE)

    # -- scoring ------------------------------------------------------------
    def score(self, output_dir: Path, hidden_dir: Path, *, artifact_dir: Path, run_info: RunInfo = RunInfo()) -> Score:
        from benchmarks.maze import scoring

        output_dir, hidden_dir, artifact_dir = Path(output_dir), Path(hidden_dir), Path(artifact_dir)
        sampling = read_sampling(output_dir)
        session = load_policy(output_dir)
        mazes = load_maze_set(hidden_dir / EVAL_FILE)
        split = json.loads((hidden_dir / SPLIT_FILE).read_text())
        index = {m.id: i for i, m in enumerate(mazes)}
        public_rows = np.array([index[i] for i in split["public"]])
        private_rows = np.array([index[i] for i in split["private"]])
        record = [int(r) * self.episodes_per_maze for r in public_rows[: self.trajectory_pictures]]
        # The prepared set's own sampling seed: scoring reads no seed of the installation at run time.
        run = scoring.run_policy(
            session,
            sampling,
            mazes,
            self.episodes_per_maze,
            seed=int(split.get("sampling_seed", split["seed"])),
            record=record,
        )
        p95 = float(np.percentile(run.timing_ms, 95))
        metrics, public_values = scoring.part_metrics(run.episodes, mazes, public_rows, p95)
        private_metrics, private_values = scoring.part_metrics(run.episodes, mazes, private_rows, p95)
        artifacts = self._artifacts(artifact_dir, run, mazes, public_rows, public_values)
        return Score(
            metrics=metrics,
            private_metrics=private_metrics,
            artifacts=artifacts,
            # path_length: each maze's shortest path, what slices() bins (the value is the per-maze success).
            items={"value": public_values, "path_length": self._path_lengths(mazes, public_rows)},
            private_items={"value": private_values, "path_length": self._path_lengths(mazes, private_rows)},
            notes={
                "inference_time_ms": f"p95 of {len(run.timing_ms)} single-observation onnxruntime "
                "calls (CPU, 1 thread) timed by the scorer",
                "sampling": sampling,
                "episodes_per_maze": str(self.episodes_per_maze),
                "max_steps": str(MAX_STEPS),
                "obs_encoding_version": OBS_ENCODING_VERSION,
            },
        )

    @staticmethod
    def _path_lengths(mazes, rows: np.ndarray) -> np.ndarray:
        return np.array([mazes[int(r)].shortest_path_length for r in rows], dtype=np.int32)

    def slices(self, items, notes) -> list[Slice]:
        """Success by the hidden maze's shortest-path length, in bins (PATH_BINS)."""
        if "path_length" not in items:  # scored before slices were recorded
            return []
        lengths = np.asarray(items["path_length"])
        found = []
        for low, high in PATH_BINS:
            rows = np.flatnonzero((lengths >= low) & (lengths <= high))
            if rows.size:
                name = f"{low}–{high}" if high < 10**6 else f"{low}+"
                found.append(Slice("shortest path (steps)", name, rows))
        return found

    def _artifacts(self, artifact_dir: Path, run, mazes, public_rows, public_values) -> list[Path]:
        """Pictures from the public part only (the private part stays unseen)."""
        from benchmarks.maze import scoring

        artifact_dir.mkdir(parents=True, exist_ok=True)
        paths = [
            scoring.success_chart(
                artifact_dir / "success_per_maze.png", [mazes[r].id for r in public_rows], public_values
            )
        ]
        for episode, trajectory in run.episodes.trajectories.items():
            maze = mazes[run.episodes.maze_index[episode]]
            name = f"trajectory_{maze.id}.png"
            paths.append(
                scoring.trajectory_picture(artifact_dir / name, maze, trajectory, bool(run.episodes.success[episode]))
            )
        return paths
