"""Pages for submitters: the submit form, My jobs and the job page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST

from benchmarks import registry
from core.errors import DomainError
from core.redirects import safe_next
from jobs import pages, selectors, tracking
from jobs.forms import SubmitForm
from jobs.models import Job, JobStatus
from jobs.services import job_cancel, job_enqueue, job_rerun, seed_group_enqueue
from submissions.api.serializers import SubmissionCreateSerializer
from submissions.services import submission_create
from submissions.throttles import throttle_uploads
from submissions.upload import upload_refusal
from teams.selectors import is_member

PAGE_SIZE = 20


def _benchmark_or_404(slug: str):
    try:
        return registry.get(slug)
    except registry.UnknownBenchmark:
        raise Http404(f"Unknown benchmark {slug}") from None


@login_required
def submit_page(request, slug: str):
    benchmark = _benchmark_or_404(slug)
    if request.method != "POST":
        return render(request, "jobs/submit.html", {"benchmark": benchmark, "form": SubmitForm(user=request.user)})
    # Django parses the body (CsrfViewMiddleware may already have); the upload handlers
    # stop it at the size limit and say so (submissions/upload.py).
    data, files = request.POST, request.FILES
    refused = upload_refusal(request)
    if refused is not None:
        form = SubmitForm(data, user=request.user)  # the fields sent before the file that was too large
        form.is_valid()
        form.add_domain_error(refused.code, refused.detail)
        return render(request, "jobs/submit.html", {"benchmark": benchmark, "form": form}, status=refused.status_code)
    form = SubmitForm(data, files, user=request.user)
    if form.is_valid():
        job = _submit(request, form, benchmark.slug)
        if job is not None:
            return redirect("job", pk=job.pk)
    return render(request, "jobs/submit.html", {"benchmark": benchmark, "form": form}, status=400)


def _submit(request, form: SubmitForm, slug: str):
    """Validate with the API's serializer, then the same two services the API calls."""
    payload = MultiValueDict({key: request.POST.getlist(key) for key in request.POST})
    payload.update(request.FILES)
    payload.setlist("files", request.FILES.getlist("files"))
    payload["benchmark"] = slug
    api_form = SubmissionCreateSerializer(data=payload)
    if not api_form.is_valid():
        form.add_api_errors(api_form.errors)
        return None
    data = api_form.validated_data
    archive = request.FILES.get("archive")
    try:
        throttle_uploads(request)  # the API's upload throttles, on the same counters
        submission = submission_create(
            owner=request.user,
            benchmark=slug,
            method=data["method"],
            entrypoint=data["entrypoint"],
            config_file=data["config_file"],
            upload=archive,
            upload_name=archive.name if archive else "",
            files=request.FILES.getlist("files"),
            description=data.get("description", ""),
            paper_url=data.get("paper_url", ""),
            code_url=data.get("code_url", ""),
            team_id=int(form.cleaned_data["team"]) if form.cleaned_data.get("team") else None,
        )
        seeds = form.cleaned_data.get("seeds") or 1
        if seeds > 1:  # one job per training seed; the first one's page shows the group
            job = seed_group_enqueue(
                owner=request.user,
                submission_id=submission.pk,
                seeds=seeds,
                resource_class=form.cleaned_data["resource_class"],
            )[0]
        else:
            job, _ = job_enqueue(
                owner=request.user, submission_id=submission.pk, resource_class=form.cleaned_data["resource_class"]
            )
    except DomainError as exc:
        form.add_domain_error(exc.code, exc.detail)
        return None
    return job


@login_required
def my_jobs_page(request):
    benchmark, status = request.GET.get("benchmark", ""), request.GET.get("status", "")
    jobs = selectors.jobs_of(user=request.user).filter(owner=request.user).select_related("submission")
    if benchmark:
        jobs = jobs.filter(benchmark=benchmark)
    if status:
        jobs = jobs.filter(status=status)
    page = Paginator(jobs.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "jobs/list.html",
        {
            "page": page,
            "benchmark": benchmark,
            "status": status,
            "statuses": JobStatus.values,
            "benchmarks": [b.slug for b in registry.all_benchmarks()],
            "query": "&".join(f"{k}={v}" for k, v in (("benchmark", benchmark), ("status", status)) if v),
        },
    )


def _job_for_page(request, pk):
    """(job, is_owner_or_staff). Others see a completed job of a public board entry, without logs."""
    job = Job.objects.select_related("submission", "owner").filter(pk=pk).first()
    if job is None:
        raise Http404("No such job")
    if request.user.is_authenticated and (request.user.is_staff or job.owner_id == request.user.pk):
        return job, True
    if job.team_id is not None and is_member(user=request.user, team_id=job.team_id):
        return job, True  # a teammate's job is the team's
    if selectors.job_visible_to(user=request.user, job=job):  # a shown board lists it (docs/security.md)
        return job, False
    raise Http404("No such job")


def job_page(request, pk):
    job, mine = _job_for_page(request, pk)
    benchmark = registry.get(job.benchmark) if job.benchmark in {b.slug for b in registry.all_benchmarks()} else None
    metrics = [(m, job.metrics.get(m.name)) for m in benchmark.metrics] if benchmark else []
    ui_url = api_url = ""
    if job.run_id:
        ui_url, api_url = tracking.run_urls(
            ui_url=settings.MLFLOW_UI_URL,
            tracking_uri=settings.MLFLOW_TRACKING_URI,
            experiment_id=job.experiment_id,
            run_id=job.run_id,
        )
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "mine": mine,
            "benchmark": benchmark,
            "metrics": metrics,
            "primary": benchmark.primary_metric if benchmark else "",
            "mlflow_run_url": ui_url,
            "mlflow_api_url": api_url,
            "cancellable": mine and not job.is_terminal,
            "viewer_url": _replay_url(job),
            "final_choice": pages.final_choice(user=request.user, job=job),
            # The public part's slice table beside the pictures (the private part stays on the entry page).
            "slices": _slices(job, benchmark),
            # the entry page holds the owner's method card and the unlist toggle
            "entry_id": pages.entry_of(job) if mine and job.status == JobStatus.COMPLETED else None,
        },
    )


def _slices(job, benchmark) -> dict | None:
    if benchmark is None or job.status != JobStatus.COMPLETED:
        return None
    from jobs.scoring.slices import job_slices

    found = job_slices(job, "public")
    return {"public": found, "private": None, "metric": benchmark.metric(benchmark.primary_metric)} if found else None


def _replay_url(job) -> str:
    """The viewer, set to the policy this job registered (maze jobs register theirs on completion)."""
    return pages.replay_url(job) if job.status == JobStatus.COMPLETED else ""


def job_pictures(request, pk):
    """The pictures the scorer logged, as URLs (fetched by the page's script, so the page never waits)."""
    job, _ = _job_for_page(request, pk)
    if not job.run_id:
        return JsonResponse({"pictures": []})
    try:
        paths = tracking.run_pictures(tracking_uri=settings.MLFLOW_TRACKING_URI, run_id=job.run_id)
    except Exception as exc:  # MLflow away: the page still works, without pictures
        return JsonResponse({"error": "tracking_unavailable", "detail": str(exc)[:200], "pictures": []}, status=503)
    return JsonResponse(
        {
            "pictures": [
                {"name": p.rsplit("/", 1)[-1], "url": reverse("job-picture", kwargs={"pk": job.pk, "path": p})}
                for p in paths
            ]
        }
    )


def job_picture(request, pk, path: str):
    job, _ = _job_for_page(request, pk)
    if (
        not job.run_id
        or not path.startswith("scorer/")
        or ".." in path.split("/")
        or not path.lower().endswith(tracking.PICTURE_SUFFIXES)
    ):
        raise Http404("No such picture")
    try:
        data = tracking.run_picture(tracking_uri=settings.MLFLOW_TRACKING_URI, run_id=job.run_id, path=path)
    except Exception:
        raise Http404("Picture unavailable") from None
    kind = {"svg": "image/svg+xml", "jpg": "image/jpeg"}.get(
        path.rsplit(".", 1)[-1].lower(), f"image/{path.rsplit('.', 1)[-1].lower()}"
    )
    response = HttpResponse(data, content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@require_POST
def job_cancel_page(request, pk):
    try:
        job_cancel(job=selectors.job_for(user=request.user, job_id=pk), actor=request.user)
        messages.success(request, "Job cancelled.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(safe_next(request, reverse("job", kwargs={"pk": pk})))


@login_required
@require_POST
def job_rerun_page(request, pk):
    """Run the same submission again as a new job: what POST /api/jobs allows its owner."""
    try:
        old = selectors.job_for(user=request.user, job_id=pk)
        if old.owner_id == request.user.pk:
            job, _ = job_enqueue(owner=request.user, submission_id=old.submission_id, resource_class=old.resource_class)
        else:  # staff, for someone else's job: the admin's re-run
            job = job_rerun(job=old, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(safe_next(request, reverse("my-jobs")))
    return redirect("job", pk=job.pk)
