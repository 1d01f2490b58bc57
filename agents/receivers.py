"""Listeners on other apps' signals: a completed job of a benchmark that produces a policy adds it to the registry."""

from pathlib import Path

from agents.services import model_register_from_job


def register_policy_of_completed_job(sender, *, job, output_dir: Path, **kwargs) -> None:
    model_register_from_job(job=job, output_dir=output_dir)


def replay_link(job) -> str:
    """The job pages' replay link: the viewer on the policy this job registered, if it is public
    (the job page's ``policy_panel`` tag shows owners and staff their unpublished one)."""
    from django.urls import reverse

    from agents.selectors import model_for_job

    model = model_for_job(job.pk)
    return f"{reverse('agents-viewer')}?model={model.pk}" if model and (model.published or model.baseline) else ""
