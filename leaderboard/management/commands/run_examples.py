"""Submit every registered benchmark's shipped examples through the HTTP API,
wait for their jobs and print the boards: the quick start's last step."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import requests
from django.core.management.base import BaseCommand, CommandError

from benchmarks import registry


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Upload each benchmark's example submissions to a running server, run them, and print the boards."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--token", required=True)
        parser.add_argument("--benchmark", action="append", help="Only these benchmark slugs.")
        parser.add_argument("--timeout", type=float, default=3600)

    def handle(self, *args, url: str, token: str, benchmark: list | None, timeout: float, **options):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        uploads = []
        for bench in registry.all_benchmarks():
            if benchmark and bench.slug not in benchmark:
                continue
            for folder in bench.example_dirs:
                response = session.post(
                    f"{url}/api/submissions",
                    data={"benchmark": bench.slug, "method": Path(folder).name},
                    files={"archive": ("example.zip", zip_folder(Path(folder)))},
                )
                if response.status_code != 201:
                    raise CommandError(f"upload of {folder} failed: {response.text}")
                uploads.append((response.json()["id"], f"{bench.slug} / {Path(folder).name}"))
        jobs = self._enqueue_all(session, url, uploads, timeout)
        self._wait(session, url, jobs, timeout)
        for slug in sorted({label.split(" / ")[0] for label in jobs.values()}):
            self._print_board(session, url, slug)

    def _enqueue_all(self, session, url, uploads, timeout) -> dict[str, str]:
        """Queue every upload, waiting politely while the per-user job limits say 429."""
        jobs, deadline = {}, time.monotonic() + timeout
        while uploads:
            submission_id, label = uploads[0]
            response = session.post(f"{url}/api/jobs", json={"submission": submission_id})
            if response.status_code == 429 and time.monotonic() < deadline:
                time.sleep(min(float(response.headers.get("Retry-After", 5)), 5))
                continue
            if response.status_code != 201:
                raise CommandError(f"could not queue {label}: {response.text}")
            jobs[response.json()["id"]] = label
            self.stdout.write(f"queued {label} as job {response.json()['id']}")
            uploads.pop(0)
        return jobs

    def _wait(self, session, url, jobs, timeout):
        deadline, pending = time.monotonic() + timeout, dict(jobs)
        while pending and time.monotonic() < deadline:
            for job_id in list(pending):
                status = session.get(f"{url}/api/jobs/{job_id}/status").json()
                if status["status"] in {"completed", "failed", "cancelled"}:
                    detail = f": {status['error'].splitlines()[0]}" if status["error"] else ""
                    self.stdout.write(f"{pending.pop(job_id)}: {status['status']}{detail}")
            time.sleep(2)
        if pending:
            raise CommandError(f"still running after {timeout:.0f} s: {', '.join(pending.values())}")

    def _print_board(self, session, url, slug):
        board = session.get(f"{url}/api/leaderboard", params={"benchmark": slug}).json()
        metric = board["primary_metric"]
        self.stdout.write(f"\n{slug} (ranked by {metric}):")
        for row in board["rows"]:
            value = row["metrics"].get(metric)
            shown = "—" if value is None else f"{value:.4f}"
            self.stdout.write(f"  {row['rank']:>2}. {row['method']:<24} {row['user']:<10} {metric}={shown}")
