from django.apps import apps
from django.core.management.base import BaseCommand

from benchmarks import registry
from jobs.scoring import datasets
from jobs.scoring.seed import hidden_seed
from leaderboard.models import BenchmarkState


class Command(BaseCommand):
    help = (
        "Prepare every registered benchmark's public and hidden data, and whatever else the installed apps "
        "need to work out of the box (e.g. the viewer's demo policy). Idempotent."
    )

    def handle(self, *args, **options):
        hidden_seed()  # made here, at run time on the data volume, never in an image
        for benchmark in registry.all_benchmarks():
            did = datasets.prepare(benchmark)
            BenchmarkState.objects.get_or_create(slug=benchmark.slug)
            self.stdout.write(f"{benchmark.slug}: {'prepared' if did else 'already prepared'}")
        for config in apps.get_app_configs():
            hook = getattr(config, "bootstrap", None)
            if callable(hook):
                self.stdout.write(f"{config.label}: {hook()}")
        self.stdout.write(self.style.SUCCESS("bootstrap complete"))
