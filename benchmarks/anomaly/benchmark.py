"""The anomaly-detection benchmark: one instance per data-set category."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from benchmarks.anomaly import artifacts, contract, resample
from benchmarks.anomaly.dataset import Category, GroundTruth, is_prepared, load_ground_truth, write_category
from benchmarks.anomaly.metrics import image_metrics, pixel_metrics, rank_image_scores, rank_pixel_scores
from benchmarks.base import Benchmark, Metric, RunInfo, Score, Seed, Slice, resolve_seed

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
QUALITY_METRICS = ("image_auc", "image_f1", "pixel_auc", "pixel_f1", "pixel_pro")
METRICS = (
    Metric("image_auc", True, "Image AUROC", unit="%", precision=1),
    Metric("image_f1", True, "Image F1-max", unit="%", precision=1),
    Metric("pixel_auc", True, "Pixel AUROC", unit="%", precision=1),
    Metric("pixel_f1", True, "Pixel F1-max", unit="%", precision=1),
    Metric("pixel_pro", True, "AU-PRO@0.3", unit="%", precision=1),
    Metric("inference_time_ms", False, "Time / image", ranked=False, unit="ms", precision=1),
    Metric("vram_mb", False, "Peak VRAM", ranked=False, unit="MB", precision=0),
)
RESAMPLABLE = ("image_auc", "pixel_auc")


class AnomalyBenchmark(Benchmark):
    """Anomaly detection and localisation on one MVTec-layout category.

    ``load`` builds the category in memory (synthetic generator or MVTec
    reader); ``source`` describes it and, hashed, decides whether the data
    on disk is current.
    """

    metrics = METRICS
    primary_metric = "image_auc"
    version = "1"
    example_dirs = (EXAMPLES_DIR / "anomaly-padim", EXAMPLES_DIR / "anomaly-gaussian")

    def __init__(
        self,
        *,
        slug: str,
        title: str,
        category: str,
        load: Callable[[], Category],
        source: Mapping[str, object],
        seed: Seed = 0,
        description: str = "",
        primary_metric: str = "image_auc",
        suite: str = "",
    ) -> None:
        if primary_metric not in RESAMPLABLE:
            raise ValueError(f"primary_metric must be one of {RESAMPLABLE}")
        self.slug = slug
        self.title = title
        self.description = description
        self.category = category
        self.suite = suite
        self.primary_metric = primary_metric
        self._load = load
        self._source = dict(source)
        self._seed_source = seed

    @property
    def _seed(self) -> int:
        return resolve_seed(self._seed_source)

    @property
    def fingerprint(self) -> str:
        """Secret: a hash of facts that include the seed. It goes into the hidden half only (never
        ``dataset.json``); the platform names a prepared set in public by a random id instead."""
        facts = {"version": self.version, "seed": self._seed, "split": self.private_fraction, **self._source}
        return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def prepare(self, public_dir: Path, hidden_dir: Path) -> None:
        public_dir, hidden_dir = Path(public_dir), Path(hidden_dir)
        if is_prepared(public_dir, hidden_dir, self.fingerprint):
            return
        write_category(
            self._load(),
            public_dir,
            hidden_dir,
            seed=self._seed,
            private_fraction=self.private_fraction,
            fingerprint=self.fingerprint,
            description={"benchmark": self.slug, "title": self.title},
        )

    def score(self, output_dir: Path, hidden_dir: Path, *, artifact_dir: Path, run_info: RunInfo = RunInfo()) -> Score:
        truth = load_ground_truth(hidden_dir)
        predictions = contract.read_predictions(Path(output_dir), truth.ids)
        cost, notes = self._cost_metrics(Path(output_dir), run_info, len(truth.ids))
        artifact_dir = Path(artifact_dir)
        artifact_dir.mkdir(parents=True, exist_ok=True)

        results = {}
        # Slices: each item's defect type as a number (0: good), the names in notes (items are numeric only).
        kinds = ["good", *sorted({d for d in truth.defects if d != "good"})]
        codes = np.array([kinds.index(d) for d in truth.defects], dtype=np.int16)
        for part in ("public", "private"):
            results[part] = self._evaluate(truth, predictions, truth.parts == part)
            results[part]["items"]["defect"] = codes[truth.parts == part]
        public_metrics = {**results["public"]["metrics"], **cost}
        private_metrics = {**results["private"]["metrics"], **cost}
        notes["evaluation_resolution"] = "each mask's own; maps resized bilinear (half-pixel centres)"
        notes["defect_types"] = json.dumps(kinds)

        public = truth.parts == "public"
        paths = artifacts.plot_curves(
            results["public"]["image"], results["public"]["pixel"], public_metrics, artifact_dir
        )
        paths.append(
            artifacts.plot_grid(
                [i for i, keep in zip(truth.ids, public) if keep],
                predictions.scores[public],
                truth.labels[public],
                predictions.maps[public],
                truth.thumbnails,
                artifact_dir,
            )
        )
        paths.append(artifacts.write_metrics_json(public_metrics, notes, artifact_dir))
        return Score(
            metrics=public_metrics,
            private_metrics=private_metrics,
            artifacts=paths,
            items=results["public"]["items"],
            private_items=results["private"]["items"],
            notes=notes,
        )

    def _evaluate(self, truth: GroundTruth, predictions: contract.Predictions, selected: np.ndarray) -> dict:
        indices = np.flatnonzero(selected)
        scores, labels = predictions.scores[indices], truth.labels[indices]
        maps = [predictions.maps[i] for i in indices]
        masks = [truth.masks[truth.ids[i]] for i in indices]
        image_ranked = rank_image_scores(scores, labels)
        pixel_ranked = rank_pixel_scores(maps, masks)
        metrics = {**image_metrics(scores, labels), **pixel_metrics(pixel_ranked)}
        if self.primary_metric == "pixel_auc":
            items = resample.pixel_items(maps, masks)
        else:
            items = resample.image_items(scores, labels)
        return {"metrics": metrics, "image": image_ranked, "pixel": pixel_ranked, "items": items}

    @staticmethod
    def _cost_metrics(output_dir: Path, run_info: RunInfo, n_images: int) -> tuple[dict[str, float], dict[str, str]]:
        notes: dict[str, str] = {}
        reported = contract.read_timings(output_dir)
        if reported is not None:
            inference_ms = reported
            notes["inference_time_ms_source"] = "timings.json (reported by the submission)"
        else:
            inference_ms = 1000.0 * run_info.wall_seconds / max(n_images, 1)
            notes["inference_time_ms_source"] = "platform: whole run wall time / test images (includes training)"
        if run_info.gpu:
            vram = float(run_info.peak_vram_mb)
            notes["vram_mb_source"] = "platform: peak GPU memory of the run"
        else:
            vram = 0.0
            notes["vram_mb_source"] = "cpu run: 0"
        return {"inference_time_ms": float(inference_ms), "vram_mb": vram}, notes

    def slices(self, items: Mapping[str, np.ndarray], notes: Mapping[str, str]) -> list[Slice]:
        """One slice per defect type: its images with the good ones (image AUROC needs both; a pixel primary
        uses the type's own images), and "all defects" (the good against every defect)."""
        if "defect" not in items:  # scored before slices were recorded
            return []
        try:
            kinds = json.loads(notes.get("defect_types") or "[]")
        except ValueError:
            return []
        codes = np.asarray(items["defect"])
        pixel = "neg_hist" in items
        found = []
        for code, kind in enumerate(kinds):
            if code == 0 or not np.any(codes == code):
                continue
            rows = np.flatnonzero(codes == code) if pixel else np.flatnonzero((codes == 0) | (codes == code))
            found.append(Slice("defect type", str(kind), rows))
        if not pixel:
            found.append(Slice("good vs defect", "good vs all defects", np.arange(codes.size)))
        return found

    def resample_primary(self, items: Mapping[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
        if "neg_hist" in items:
            return resample.resample_pixel_auc(items, counts)
        return resample.resample_image_auc(items, counts)
