"""k training seeds of one submission: k jobs, LB_TRAIN_SEED in each run, one board line whose mean ± sd and
two-level interval are checked against a direct computation over the stored per-item results."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings as django_settings

from jobs import logs
from jobs.models import Job
from jobs.runner import execute
from jobs.scoring import intervals
from tests.conftest import toy_files

# Seed s flips s + 1 answers starting at item 3 s: every seed scores differently.
SEEDED_MAIN = """\
import argparse, json, os, pathlib, yaml
parser = argparse.ArgumentParser()
parser.add_argument("--config"); parser.add_argument("--output")
args = parser.parse_args()
config = yaml.safe_load(open(args.config))
seed = int(os.environ.get("LB_TRAIN_SEED") or config.get("seed", 0))
print("train seed:", seed, flush=True)
numbers = json.loads(pathlib.Path(os.environ["LB_DATASET_DIR"], "numbers.json").read_text())
answers = [n % 2 == 0 for n in numbers]
for i in range(3 * seed, 3 * seed + seed + 1):
    answers[i] = not answers[i]
pathlib.Path(args.output, "predictions.json").write_text(json.dumps(answers))
"""


def _stored_values(job_id) -> np.ndarray:
    """The per-item results as the worker stored them (read here with numpy, not the platform's loader)."""
    with np.load(django_settings.DATA_DIR / "results" / str(job_id) / "public_items.npz") as data:
        return np.asarray(data["value"], dtype=np.float64)


def _direct_two_level(per_seed: list[np.ndarray]) -> tuple[float, float]:
    """The seeds-then-items bootstrap, written out: resample b draws k seeds with replacement (their stream
    seeded as leaderboard.seeds documents), then items with row b of the platform's item draws."""
    k = len(per_seed)
    counts = intervals.counts_matrix(len(per_seed[0]))
    n = counts.shape[0]
    drawn = np.random.default_rng([20261206, k, n]).integers(0, k, size=(n, k))
    values = []
    for b in range(n):
        per_draw = [float((counts[b] * per_seed[s]).sum() / counts[b].sum()) for s in drawn[b]]
        values.append(sum(per_draw) / k)
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


@pytest.mark.django_db(transaction=True)
def test_three_seeds_give_one_line_with_mean_sd_and_two_level_interval(
    as_alice, anonymous, submit, prepared_toy, tracking
):
    uploaded = submit(as_alice, toy_files(main=SEEDED_MAIN, config="seed: 0\n"))
    response = as_alice.post("/api/jobs", {"submission": uploaded.json()["id"], "seeds": 3}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["jobs"]) == 3 and body["seed_group"]
    for job in body["jobs"]:
        assert execute(job["id"]) == "completed"
    jobs = sorted(Job.objects.filter(seed_group=body["seed_group"]), key=lambda j: j.train_seed)
    assert [j.train_seed for j in jobs] == [0, 1, 2]
    for job in jobs:  # the seed reached the run
        assert f"train seed: {job.train_seed}" in logs.read_chunk(job.pk).text

    rows = anonymous.get("/api/leaderboard", {"benchmark": "toy"}).json()["rows"]
    assert len(rows) == 1  # one method, one line
    seeds = rows[0]["seeds"]
    per_seed = [_stored_values(job.pk) for job in jobs]
    scores = [float(v.mean()) for v in per_seed]
    assert seeds["k"] == 3
    assert [s["score"] for s in seeds["scores"]] == pytest.approx(scores)
    assert [s["job"] for s in seeds["scores"]] == [str(j.pk) for j in jobs]
    assert len(set(scores)) > 1  # the seeds differ, so the sd says something
    assert seeds["mean"] == pytest.approx(np.mean(scores))
    assert seeds["sd"] == pytest.approx(np.std(scores, ddof=1))
    assert seeds["ci"] == pytest.approx(list(_direct_two_level(per_seed)))
    assert seeds["ci"][0] <= seeds["mean"] <= seeds["ci"][1]

    # The seed group's own endpoint (what `lb submit --seeds 3 --wait` prints) gives the same numbers.
    group = as_alice.get(f"/api/seed-groups/{body['seed_group']}").json()
    assert (group["k"], group["mean"], group["sd"], group["ci"]) == (3, seeds["mean"], seeds["sd"], seeds["ci"])

    # The board page says "3 seeds" beside the line, and can rank on the mean.
    page = anonymous.get("/leaderboard/toy/").content.decode()
    assert "3 seeds" in page
    entry_page = anonymous.get(f"/entries/{rows[0]['entry']}/").content.decode()
    assert "over 3 seeds" in entry_page and all(f"seed {s}:" in entry_page for s in range(3))
    by_mean = anonymous.get("/api/leaderboard", {"benchmark": "toy", "rank": "seed_mean"}).json()["rows"]
    assert len(by_mean) == 1 and by_mean[0]["seeds"]["mean"] == pytest.approx(np.mean(scores))
