from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from core.errors import DomainError
from jobs import logs
from jobs.models import ACTIVE_STATUSES, Job, JobStatus
from jobs.runner import job_rerecord
from jobs.services import job_cancel, job_rerun


class DeadLetterFilter(admin.SimpleListFilter):
    title = "dead letter"
    parameter_name = "dead_letter"

    def lookups(self, request, model_admin):
        return [("yes", "gave up after all attempts"), ("recording", "waiting to be re-recorded")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=JobStatus.FAILED, error__startswith="gave up after")
        if self.value() == "recording":
            return queryset.filter(needs_recording=True)
        return queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "owner",
        "benchmark",
        "method",
        "status",
        "phase",
        "failure_kind",
        "attempts",
        "age",
        "deadline_flag",
        "created_at",
    ]
    list_filter = ["status", "benchmark", "failure_kind", DeadLetterFilter, "owner"]
    search_fields = ["id", "owner__username", "submission__method", "error"]
    actions = ["rerun", "rerun_stale", "cancel", "rerecord"]
    readonly_fields = [f.name for f in Job._meta.fields] + ["log_tail"]
    list_select_related = ["owner", "submission"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="method")
    def method(self, job):
        return job.submission.method

    @admin.display(description="age")
    def age(self, job):
        if job.status not in ACTIVE_STATUSES:
            return "—"
        seconds = int((timezone.now() - job.created_at).total_seconds())
        return f"{seconds // 3600}h {seconds % 3600 // 60}m {seconds % 60}s"

    @admin.display(description="deadline")
    def deadline_flag(self, job):
        due = job.deadline()
        if due is None:
            return "—"
        left = (due - timezone.now()).total_seconds()
        if left < 0:
            return format_html('<strong style="color:#b42318">past deadline</strong>')
        if left < 300:
            return format_html('<strong style="color:#b54708">{} s left</strong>', int(left))
        return f"{int(left // 60)} min left"

    @admin.display(description="log (last lines)")
    def log_tail(self, job):
        chunk = logs.read_chunk(
            job.pk, max(0, (logs.log_path(job.pk).stat().st_size if logs.log_path(job.pk).exists() else 0) - 16000)
        )
        return format_html('<pre style="max-height:30em;overflow:auto;white-space:pre-wrap">{}</pre>', chunk.text)

    @admin.action(description="Re-run (as a new job)")
    def rerun(self, request, queryset):
        for job in queryset.select_related("submission"):
            job_rerun(job=job, actor=request.user)
        self.message_user(request, f"Queued {queryset.count()} new job(s).")

    @admin.action(description="Re-run those scored on a replaced hidden set (rotate_hidden_data)")
    def rerun_stale(self, request, queryset):
        from benchmarks import registry
        from jobs.scoring import datasets

        queued = 0
        for job in queryset.filter(status=JobStatus.COMPLETED).select_related("submission"):
            try:
                current = datasets.dataset_id(registry.get(job.benchmark))
            except registry.UnknownBenchmark:
                continue
            if current and (job.reproducibility or {}).get("dataset_version") != current:
                job_rerun(job=job, actor=request.user)
                queued += 1
        self.message_user(request, f"Queued {queued} new job(s) on the current hidden data.")

    @admin.action(description="Cancel")
    def cancel(self, request, queryset):
        for job in queryset:
            try:
                job_cancel(job=job, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{job.pk}: {exc.detail}", messages.WARNING)

    @admin.action(description="Re-record in MLflow (tracking was down)")
    def rerecord(self, request, queryset):
        for job in queryset.select_related("submission", "owner"):
            try:
                job_rerecord(job=job)
            except Exception as exc:
                self.message_user(request, f"{job.pk}: {exc}", messages.ERROR)
