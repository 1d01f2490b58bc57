from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from fleet import selectors
from fleet.models import WaitingJob, Worker
from jobs.models import JobStatus
from jobs.selectors import in_pools, pool_for


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "pool_list", "state", "heartbeat_age", "job_link", "version", "gpu_status"]
    list_filter = ["host"]
    search_fields = ["name", "host"]
    readonly_fields = [f.name for f in Worker._meta.fields]

    def has_add_permission(self, request):
        return False  # workers register themselves

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": format_html('Workers — see the <a href="/fleet/">live fleet page</a>'),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="pools")
    def pool_list(self, worker):
        return ", ".join(worker.pools)

    @admin.display(description="state")
    def state(self, worker):
        return "alive" if selectors.is_alive(worker) else ("stopped" if worker.stopped_at else "gone")

    @admin.display(description="heartbeat", ordering="heartbeat_at")
    def heartbeat_age(self, worker):
        return f"{(timezone.now() - worker.heartbeat_at).total_seconds():.0f} s ago"

    @admin.display(description="job")
    def job_link(self, worker):
        if not worker.current_job:
            return ""
        return format_html('<a href="/admin/jobs/job/{}/change/">{}</a>', worker.current_job, worker.current_job)


class PoolFilter(admin.SimpleListFilter):
    title = "pool"
    parameter_name = "pool"

    def lookups(self, request, model_admin):
        return [(pool, pool) for pool in settings.LB_POOLS]

    def queryset(self, request, queryset):
        return queryset.filter(in_pools([self.value()])) if self.value() else queryset


@admin.register(WaitingJob)
class WaitingJobAdmin(admin.ModelAdmin):
    """Pending jobs per pool, with the reason they wait."""

    list_display = ["job_link", "pool", "resource_class", "owner", "benchmark", "queued_at", "reason"]
    list_filter = [PoolFilter, "resource_class", "benchmark"]
    list_select_related = ["owner"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=JobStatus.PENDING)

    def changelist_view(self, request, extra_context=None):
        self._live = selectors.live_pools()  # one query for the reasons of the whole page
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="job")
    def job_link(self, job):
        return format_html('<a href="/admin/jobs/job/{}/change/">{}</a>', job.pk, job.pk)

    @admin.display(description="pool")
    def pool(self, job):
        return pool_for(job.resource_class)

    @admin.display(description="reason")
    def reason(self, job):
        return selectors.waiting_reason(job.resource_class, live=getattr(self, "_live", None)) or "queued"
