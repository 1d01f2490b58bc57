"""``manage.py reproduce_board BENCHMARK [--top K | --all] [--again]``: the platform re-runs a board's lines."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarks import registry
from leaderboard.reproduction import board_reproduce


class Command(BaseCommand):
    help = (
        "Re-run the top lines of BENCHMARK's current board from their stored archives as platform jobs "
        "(no one's quota), each then badged reproduced or not reproduced (leaderboard/reproduction.py). "
        "--all re-runs every line, e.g. after a scorer version change; --again also lines already re-run. "
        "After rotate_hidden_data use rerun_stale, which gives entries new numbers instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("benchmark")
        parser.add_argument(
            "--top", type=int, default=None, help=f"lines to re-run (default {settings.LB_REPRODUCE_TOP_K})"
        )
        parser.add_argument("--all", action="store_true", help="every line of the board")
        parser.add_argument("--again", action="store_true", help="also lines that were re-run before")

    def handle(self, *args, **options) -> None:
        slug = options["benchmark"]
        try:
            registry.get(slug)
        except registry.UnknownBenchmark:
            raise CommandError(f"unknown benchmark {slug!r}") from None
        top = 0 if options["all"] else options["top"]
        if top is not None and top < 0:
            raise CommandError("--top must be 0 or more")
        made = board_reproduce(slug=slug, top=top, again=options["again"])
        for job in made:
            self.stdout.write(f"queued re-run {job.pk} of job {job.reproduces_id}")
        self.stdout.write(f"{len(made)} re-run(s) queued")
