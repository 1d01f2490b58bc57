"""The browser submit form: the API's serializer and services do the validation;
this only maps their errors onto the fields a person filled in."""

from __future__ import annotations

from django import forms
from django.conf import settings

from teams.selectors import teams_of

# Domain error codes of submission_create / job_enqueue, by the field they are about.
ERROR_FIELDS = {
    "bad_method": "method",
    "bad_entrypoint": "entrypoint",
    "missing_entrypoint": "entrypoint",
    "missing_config_file": "config_file",
    "bad_resource_class": "resource_class",
    "bad_url": None,
    "not_in_team": "team",
    "description_too_long": "description",
    "bad_seeds": "seeds",
    "unknown_benchmark": None,
    "rate_limited": None,
    "too_many_active_jobs": None,
}


class SubmitForm(forms.Form):
    method = forms.CharField(max_length=100, help_text="How your method is named on the board.")
    archive = forms.FileField(required=False, help_text=".zip, .tar.gz, .tgz or .tar")
    entrypoint = forms.CharField(max_length=255, initial="main.py")
    config_file = forms.CharField(max_length=255, initial="config.yaml")
    resource_class = forms.ChoiceField(choices=())
    team = forms.ChoiceField(choices=(), required=False, help_text="Submit as yourself or as one of your teams.")
    description = forms.CharField(
        required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Method card: Markdown, shown on the entry page (raw HTML is shown as text).",
    )  # fmt: skip
    paper_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    code_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    seeds = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=1,
        required=False,
        help_text="Training seeds: k jobs with LB_TRAIN_SEED=0..k-1; the board shows their mean ± sd.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_of(user).values_list("pk", "name") if user is not None else []
        self.fields["team"].choices = [("", "myself"), *((str(pk), f"team {name}") for pk, name in teams)]
        self.fields["resource_class"].choices = [
            (name, f"{name} ({spec.get('timeout_s', '?')} s, {spec.get('memory_mb', '?')} MB)")
            for name, spec in sorted(settings.LB_RESOURCE_CLASSES.items())
        ]
        self.fields["resource_class"].initial = settings.LB_DEFAULT_RESOURCE_CLASS

    def add_api_errors(self, errors: dict) -> None:
        """A serializer's ``errors`` (field → messages) beside the same fields here."""
        for field, messages in errors.items():
            target = field if field in self.fields else ("archive" if field == "files" else None)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(target, str(message))

    def add_domain_error(self, code: str, detail: str) -> None:
        self.add_error(ERROR_FIELDS.get(code, "archive"), detail)
