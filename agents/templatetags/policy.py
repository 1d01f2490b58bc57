"""``{% policy_panel job %}`` on the job page: the replay link of the policy a maze job registered,
when the viewer may see it, and its Publish checkbox for the owner and staff."""

from __future__ import annotations

from django import template
from django.urls import reverse

from agents import selectors

register = template.Library()


@register.inclusion_tag("agents/_policy_panel.html", takes_context=True)
def policy_panel(context, job) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or getattr(job, "status", "") != "completed":
        return {"model": None}
    model = selectors.model_for_job(job.pk)
    if model is None or selectors.model_get(model.pk, user=user) is None:
        return {"model": None}  # no policy, or one this viewer may not see
    return {
        "model": model,
        "viewer_url": f"{reverse('agents-viewer')}?model={model.pk}",
        "may_publish": selectors.model_may_publish(model, user),
        "next": request.get_full_path(),
    }
