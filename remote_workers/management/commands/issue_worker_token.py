"""manage.py issue_worker_token --pools gpu-a100 [--name 'lab-b gpu-01']: print a new worker token."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from remote_workers.models import WorkerToken
from remote_workers.services import worker_token_issue, worker_token_revoke


class Command(BaseCommand):
    help = "Make a worker token for lb-worker (scoped to pools; printed once, last line), or revoke one."

    def add_arguments(self, parser):
        parser.add_argument("--pools", default="", help="comma-separated pools the worker may claim from")
        parser.add_argument("--name", default="remote worker", help="whose host it is")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the token with this prefix instead")

    def handle(self, *args, pools: str, name: str, revoke: str | None, **options):
        if revoke:
            token = WorkerToken.objects.filter(prefix=revoke.removeprefix("lbw_")[:12]).first()
            if token is None or not worker_token_revoke(token=token):
                raise CommandError(f"no live worker token with prefix {revoke!r}")
            self.stdout.write(f"revoked {token}")
            return
        try:
            token, raw = worker_token_issue(name=name, pools=[p.strip() for p in pools.split(",") if p.strip()])
        except InvalidInput as exc:
            raise CommandError(str(exc.detail if hasattr(exc, "detail") else exc)) from None
        self.stdout.write(f"worker token {token.prefix} for pools {','.join(token.pools)}:")
        self.stdout.write(raw)
