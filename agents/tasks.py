"""Huey tasks (run by the worker process)."""

from huey.contrib.djhuey import db_task


@db_task()
def run_training(run_id: str) -> None:
    from agents.training import execute

    execute(run_id)
