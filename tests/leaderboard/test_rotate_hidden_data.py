"""``manage.py rotate_hidden_data``: one benchmark's hidden data renewed alone, or every benchmark's with a new
installation seed; a new random data-set id each time; running jobs keep their set, and one that straddles
the switch runs again on the new data."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from benchmarks import registry
from jobs import logs
from jobs.models import Job, JobStatus
from jobs.runner import execute
from jobs.scoring import datasets, seed
from jobs.services import job_enqueue
from tests.conftest import TOY_MAIN, toy_files


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.LB_BENCHMARK_DATA_DIR = tmp_path / "benchmarks"
    settings.LB_HIDDEN_SEED = 0
    return settings.LB_BENCHMARK_DATA_DIR


@pytest.fixture
def real_benchmarks(settings, data_dir):
    """A small maze and a tiny synthetic anomaly category, wired exactly as the settings wire the real ones."""
    from benchmarks.anomaly import benchmarks as anomaly_benchmarks
    from benchmarks.maze import benchmarks as maze_benchmarks

    (maze,) = maze_benchmarks(**settings.LB_BENCHMARK_OPTIONS["benchmarks.maze"], train_count=5, eval_count=20)
    (brick,) = anomaly_benchmarks(
        **settings.LB_BENCHMARK_OPTIONS["benchmarks.anomaly"], synthetic_size="tiny", synthetic_categories=["brick"]
    )
    for benchmark in (maze, brick):
        registry.register(benchmark)
        datasets.prepare(benchmark)
    yield maze, brick
    for benchmark in (maze, brick):
        registry.unregister(benchmark.slug)


def hidden_files(benchmark) -> dict[str, bytes]:
    _, hidden = datasets.dirs(benchmark)
    return {path.name: path.read_bytes() for path in sorted(hidden.iterdir())}


def test_rotating_one_benchmark_renews_its_hidden_data_and_id_and_no_other(real_benchmarks):
    maze, brick = real_benchmarks
    maze_id, brick_id = datasets.dataset_id(maze), datasets.dataset_id(brick)
    maze_before, brick_before = hidden_files(maze), hidden_files(brick)
    old_public, _ = datasets.dirs(maze)

    call_command("rotate_hidden_data", "maze")

    assert datasets.dataset_id(maze) not in (None, maze_id) and datasets.dataset_id(maze).startswith("ds-")
    after = hidden_files(maze)
    old_mazes = [m["grid"] for m in json.loads(maze_before["eval_mazes.json"])["mazes"]]
    new_mazes = [m["grid"] for m in json.loads(after["eval_mazes.json"])["mazes"]]
    assert old_mazes != new_mazes  # other hidden mazes
    assert json.loads(maze_before["split.json"])["private"] != json.loads(after["split.json"])["private"]
    assert (datasets.dataset_id(brick), hidden_files(brick)) == (brick_id, brick_before)  # untouched
    assert old_public.is_dir()  # a run still reading the replaced set keeps its files

    call_command("rotate_hidden_data", "anomaly-brick")
    truth_before = json.loads(brick_before["ground_truth.json"])
    truth_after = json.loads(hidden_files(brick)["ground_truth.json"])
    assert [(i["id"], i["source"], i["part"]) for i in truth_before["items"]] != [
        (i["id"], i["source"], i["part"]) for i in truth_after["items"]
    ]
    assert brick_before["masks.npz"] != hidden_files(brick)["masks.npz"]
    assert datasets.dataset_id(brick) != brick_id


def test_rotate_all_draws_a_new_installation_seed_and_renews_every_benchmark(real_benchmarks, settings):
    maze, brick = real_benchmarks
    before_seed = seed.hidden_seed()
    before = {b.slug: (datasets.dataset_id(b), hidden_files(b)) for b in (maze, brick)}

    call_command("rotate_hidden_data", "--all")

    assert seed.hidden_seed() != before_seed and seed.hidden_seed().bit_length() > 200
    for benchmark in (maze, brick):
        dataset_id, files = before[benchmark.slug]
        assert datasets.dataset_id(benchmark) != dataset_id and hidden_files(benchmark) != files


def test_a_short_seed_is_refused_until_rotate_all_replaces_it(real_benchmarks, settings, tmp_path):
    settings.LB_HIDDEN_SEED = 2**31 - 5
    for args in (["maze"], ["--all"]):
        with pytest.raises(CommandError, match="under 128 bits"):
            call_command("rotate_hidden_data", *args)
    settings.LB_HIDDEN_SEED = 0
    settings.DATA_DIR = tmp_path / "legacy"
    settings.DATA_DIR.mkdir()
    (settings.DATA_DIR / seed.SEED_FILE).write_text("1234567")  # written by an earlier version
    with pytest.raises(CommandError, match="rotate_hidden_data --all"):
        call_command("rotate_hidden_data", "maze")
    call_command("rotate_hidden_data", "--all")
    assert int((settings.DATA_DIR / seed.SEED_FILE).read_text()).bit_length() > 200


def test_unknown_benchmark_and_no_argument_are_errors(data_dir):
    with pytest.raises(CommandError, match="unknown benchmark"):
        call_command("rotate_hidden_data", "nope")
    with pytest.raises(CommandError):
        call_command("rotate_hidden_data")


SLOW_TOY_MAIN = TOY_MAIN.replace("answers = [", "import time; time.sleep(3)\nanswers = [")


def test_a_job_running_across_a_rotation_runs_again_on_the_new_data(
    data_dir, alice, as_alice, submit, tracking, settings
):
    settings.LB_MAX_ATTEMPTS = 3
    toy = registry.get("toy")
    datasets.prepare(toy)
    first_id = datasets.dataset_id(toy)
    response = submit(as_alice, toy_files(main=SLOW_TOY_MAIN))
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])

    def rotate_once_the_run_has_read_the_data() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            path = logs.log_path(job.pk)
            if path.exists() and "numbers: 40" in path.read_text():
                call_command("rotate_hidden_data", "toy")
                return
            time.sleep(0.05)

    rotator = threading.Thread(target=rotate_once_the_run_has_read_the_data)
    rotator.start()
    outcome = execute(str(job.pk))
    rotator.join()
    second_id = datasets.dataset_id(toy)
    assert second_id != first_id
    job.refresh_from_db()
    assert outcome == "released" and job.status == JobStatus.PENDING and "replaced while this job ran" in job.error

    assert execute(str(job.pk)) == "completed"
    job = Job.objects.get(pk=job.pk)
    assert job.reproducibility["dataset_version"] == second_id
