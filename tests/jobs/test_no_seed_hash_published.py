"""Nothing public carries an unkeyed hash of the hidden-data seed (an attacker searches 2^31 seeds against
one in minutes, then rebuilds every hidden label): not the job page, the entry page, the results API, the
board (HTML, JSON, CSV), nor the public ``dataset.json`` every run reads. A real job runs end to end."""

from __future__ import annotations

import hashlib
import json

import pytest

from benchmarks import registry
from jobs.models import Job
from jobs.runner import execute
from jobs.scoring import datasets
from jobs.scoring.seed import hidden_seed
from jobs.services import job_enqueue
from leaderboard.models import Entry


def seed_hashes(seed: int, benchmark) -> list[str]:
    """What the old code published, and the fingerprints of today's prepared data."""
    old_anomaly_facts = {
        "version": benchmark.version,
        "seed": seed,
        "split": benchmark.private_fraction,
        **benchmark._source,
    }
    return [
        hashlib.sha256(str(seed).encode()).hexdigest()[:12],  # the old hidden_data_fingerprint
        hashlib.sha256(json.dumps(old_anomaly_facts, sort_keys=True, default=str).encode()).hexdigest()[:16],
        str(benchmark.fingerprint),  # the data's fingerprint (it hashes the benchmark's derived seed)
        str(seed),
    ]


@pytest.fixture
def anomaly(settings, tmp_path):
    """A tiny synthetic anomaly category wired exactly as the settings wire the real ones."""
    from benchmarks.anomaly import benchmarks as anomaly_benchmarks

    settings.LB_BENCHMARK_DATA_DIR = tmp_path / "benchmarks"
    options = {
        **settings.LB_BENCHMARK_OPTIONS["benchmarks.anomaly"],
        "synthetic_size": "tiny",
        "synthetic_categories": ["brick"],
    }
    (benchmark,) = anomaly_benchmarks(**options)
    registry.register(benchmark)
    yield benchmark
    registry.unregister(benchmark.slug)


def test_no_public_response_or_public_file_carries_a_hash_of_the_seed(
    client, anonymous, alice, as_alice, submit, tracking, anomaly, settings
):
    settings.LB_HIDDEN_SEED = 0
    seed = hidden_seed()
    toy = registry.get("toy")
    datasets.prepare(toy)
    datasets.prepare(anomaly)
    forbidden = seed_hashes(seed, anomaly)

    response = submit(as_alice)
    assert response.status_code == 201, response.json()
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])
    assert execute(str(job.pk)) == "completed"
    job = Job.objects.get(pk=job.pk)
    entry = Entry.objects.get(benchmark="toy", owner=alice, method=job.submission.method)

    public = {
        "job page": client.get(f"/jobs/{job.pk}/"),
        "entry page": client.get(f"/entries/{entry.pk}/"),
        "board page": client.get("/leaderboard/toy/"),
        "board JSON": anonymous.get("/api/leaderboard?benchmark=toy"),
        "board CSV": anonymous.get("/api/leaderboard?benchmark=toy&format=csv"),
        "results API": as_alice.get(f"/api/jobs/{job.pk}/results"),
    }
    bodies = {}
    for name, answer in public.items():
        assert answer.status_code == 200, name
        bodies[name] = answer.content.decode()
    public_dir, _ = datasets.dirs(anomaly)
    bodies["anomaly dataset.json"] = (public_dir / "dataset.json").read_text()
    for name, body in bodies.items():
        for value in forbidden:
            assert value not in body, f"{name} carries {value!r}, a hash of (or facts including) the hidden seed"

    # What identifies the hidden set in public is the random id kept with the prepared data.
    recorded = job.reproducibility["dataset_version"]
    assert recorded == datasets.dataset_id(toy) and recorded.startswith("ds-") and len(recorded) == 19
    assert "hidden_data_fingerprint" not in job.reproducibility["seeds"]
    for name in ("job page", "entry page", "board page", "board JSON", "board CSV"):
        assert recorded in bodies[name], name
    assert json.loads(bodies["board JSON"])["rows"][0]["dataset_version"] == recorded


def test_records_from_before_data_set_ids_show_no_hash_of_the_seed(
    client, anonymous, alice, as_alice, submit, tracking, settings
):
    """Earlier versions stored ``hidden_data_fingerprint`` and the data's fingerprint with every job: the pages
    and the board show neither (the data-set version reads ``legacy``)."""
    settings.LB_HIDDEN_SEED = 0
    datasets.prepare(registry.get("toy"))
    response = submit(as_alice)
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])
    assert execute(str(job.pk)) == "completed"
    seed_hash = hashlib.sha256(str(hidden_seed()).encode()).hexdigest()[:12]
    old_fingerprint = "3f1c0ffee0ddba11"
    job = Job.objects.get(pk=job.pk)
    legacy = {
        **job.reproducibility,
        "dataset_version": old_fingerprint,
        "seeds": {"bootstrap": 1, "hidden_data_fingerprint": seed_hash},
    }
    Job.objects.filter(pk=job.pk).update(reproducibility=legacy)
    entry = Entry.objects.get(benchmark="toy", owner=alice)

    for url in (f"/jobs/{job.pk}/", f"/entries/{entry.pk}/", "/leaderboard/toy/"):
        body = client.get(url).content.decode()
        assert seed_hash not in body and old_fingerprint not in body, url
        assert "legacy" in body, url
    for url in ("/api/leaderboard?benchmark=toy", "/api/leaderboard?benchmark=toy&format=csv"):
        body = anonymous.get(url).content.decode()
        assert seed_hash not in body and old_fingerprint not in body and "legacy" in body, url
    row = anonymous.get("/api/leaderboard?benchmark=toy").json()["rows"][0]
    assert (row["dataset_version"], row["stale_dataset"]) == ("legacy", True)
