"""``manage.py rotate_hidden_data SLUG [SLUG ...] | --all``: new seed material, new hidden data, new data-set id.

One benchmark alone: its generation counter goes up, so its key ``HMAC(seed, "<slug>:<generation>")`` and
every seed derived from it change while the other benchmarks keep theirs. ``--all``: a new 256-bit
installation seed (the remedy when the seed may be known, and for a legacy short seed), then every benchmark.
Each new set is built beside the current one and made current in one rename (``jobs.scoring.datasets``):
running jobs keep reading the set they started on, and one that straddles the switch runs again.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarks import registry
from jobs.scoring import datasets, seed
from leaderboard.board_cache import board_changed


class Command(BaseCommand):
    help = (
        "Draw new seed material for BENCHMARK (or, with --all, a new installation seed for all of them) and "
        "regenerate its hidden data under a new random data-set id. Entries scored before are marked stale "
        "on the board; `rerun_stale BENCHMARK` runs them again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("benchmarks", nargs="*", metavar="BENCHMARK")
        parser.add_argument("--all", action="store_true", help="a new installation seed and every benchmark")

    def handle(self, *args, **options) -> None:
        slugs, everything = options["benchmarks"], options["all"]
        if bool(slugs) == everything:
            raise CommandError("name one or more benchmarks, or --all")
        try:
            chosen = registry.all_benchmarks() if everything else [registry.get(slug) for slug in slugs]
        except registry.UnknownBenchmark as exc:
            raise CommandError(
                f"unknown benchmark {exc.args[0]!r}; known: {', '.join(b.slug for b in registry.all_benchmarks())}"
            ) from None
        fixed = bool(settings.LB_HIDDEN_SEED)
        if everything and not fixed:
            seed.replace_installation_seed(Path(settings.DATA_DIR))
            self.stdout.write("new 256-bit installation seed")
        elif seed.is_weak(seed.hidden_seed()):
            where = "LB_HIDDEN_SEED" if fixed else f"{settings.DATA_DIR}/{seed.SEED_FILE} (a legacy seed)"
            raise CommandError(
                f"the hidden-data seed in {where} is under {seed.MIN_SEED_BITS} bits: seeds derived "
                "from it can be searched for. "
                + (
                    "Set a 256-bit LB_HIDDEN_SEED or unset it."
                    if fixed
                    else "Run `rotate_hidden_data --all` (a new installation seed)."
                )
            )
        for benchmark in chosen:
            before = datasets.dataset_id(benchmark)
            if not everything or fixed:  # --all with a fixed seed: the generations are what can change
                seed.bump_generation(benchmark.slug)
            datasets.prepare(benchmark, force=True)
            board_changed(benchmark.slug)
            self.stdout.write(f"{benchmark.slug}: data set {datasets.dataset_id(benchmark)} (was {before or 'none'})")
        self.stdout.write(
            self.style.SUCCESS(
                "rotated; run `manage.py rerun_stale BENCHMARK` to score the board's entries on the new data"
            )
        )
