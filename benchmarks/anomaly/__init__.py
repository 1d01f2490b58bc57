"""Anomaly detection (MVTec AD style): registration of one benchmark per category.

Registered by the platform as ``"benchmarks.anomaly:benchmarks"``; the
keyword arguments come from settings. See docs/benchmarks/anomaly.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmarks.base import Benchmark, Seed, resolve_seed


def benchmarks(
    *,
    mvtec_root: str | None = None,
    categories: list[str] | None = None,
    synthetic_size: str = "standard",
    seed: Seed = 0,
    primary_metric: str = "image_auc",
    synthetic_categories: list[str] | None = None,
    seed_for: Callable[[str, str], int] | None = None,
) -> list[Benchmark]:
    """Synthetic categories (``anomaly-<name>``) plus, with ``mvtec_root``,
    one benchmark per category folder found there (``mvtec-<name>``).

    ``categories`` keeps only these MVTec-layout categories;
    ``synthetic_categories`` only these synthetic ones (``[]``: none,
    ``None``: brick, gravel and grass). ``seed`` drives the
    synthetic data, the anonymous test names and the public/private split:
    operators who want the split unguessable set their own.

    ``seed_for(slug, label)``, when given, replaces ``seed``: each benchmark gets
    its own seed (``seed_for(slug, "anomaly")``, read when its data is built),
    so one category's data can be renewed alone. The platform passes one that
    derives secret 256-bit seeds (``jobs.scoring.seed.benchmark_seed``).
    """

    def seed_of(slug: str) -> Seed:
        return partial(seed_for, slug, "anomaly") if seed_for is not None else seed

    # Imported here so that importing the package stays cheap.
    from benchmarks.anomaly import mvtec, synthetic
    from benchmarks.anomaly.benchmark import AnomalyBenchmark

    wanted = set(categories) if categories else None
    found: list[Benchmark] = []
    synthetic_names = synthetic.DEFAULT_CATEGORIES if synthetic_categories is None else synthetic_categories
    unknown = set(synthetic_names) - set(synthetic.TEXTURES)
    if unknown or synthetic_size not in synthetic.SIZES:
        raise ValueError(
            f"synthetic categories must be among {sorted(synthetic.TEXTURES)} (got {sorted(unknown)}) "
            f"and synthetic_size among {sorted(synthetic.SIZES)} (got {synthetic_size!r})"
        )
    for name in synthetic_names:
        slug = f"anomaly-{name}"
        found.append(
            AnomalyBenchmark(
                slug=slug,
                title=f"Anomaly detection: synthetic {name}",
                category=name,
                load=partial(_generate_synthetic, name, synthetic_size, seed_of(slug)),
                source={"kind": "synthetic", "category": name, "size": synthetic_size},
                seed=seed_of(slug),
                description=(
                    f"Find and localise defects on {name} texture images (synthetic, MVTec AD layout, "
                    "built from scikit-image's bundled photographs)."
                ),
                primary_metric=primary_metric,
                suite="anomaly-synthetic",
            )
        )
    if mvtec_root:
        for name in mvtec.find_categories(mvtec_root):
            if wanted is not None and name not in wanted:
                continue
            found.append(
                AnomalyBenchmark(
                    slug=f"mvtec-{name}",
                    title=f"Anomaly detection: MVTec AD {name}",
                    category=name,
                    load=partial(mvtec.read_category, mvtec_root, name),
                    source={"kind": "mvtec", "root": str(mvtec_root), "category": name},
                    seed=seed_of(f"mvtec-{name}"),
                    description=(
                        f"MVTec AD category {name} (CC BY-NC-SA 4.0: non-commercial use, attribution, share-alike)."
                    ),
                    primary_metric=primary_metric,
                    suite="mvtec",
                )
            )
    return found


def _generate_synthetic(name: str, size: str, seed: Seed):
    from benchmarks.anomaly import synthetic

    return synthetic.generate(name, size, resolve_seed(seed))
