"""Staff's view of the registry, the training runs and the viewer's episode log (read-only: the log is
append-only, and runs change only through the worker)."""

from django.contrib import admin

from agents.models import AgentModel, EpisodeLog, TrainingRun


@admin.register(AgentModel)
class AgentModelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "algorithm",
        "source",
        "success_rate",
        "active",
        "published",
        "baseline",
        "archived",
        "created_at",
    )
    list_filter = ("source", "algorithm", "active", "published", "baseline", "archived")
    search_fields = ("name", "source_ref", "sha256", "created_by__username")
    # Files are never rewritten and ``active`` has its own service (one at a time, public only): read-only here.
    readonly_fields = ("file", "sha256", "source", "source_ref", "active", "created_by", "created_at")


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "created_at", "started_at", "finished_at", "result_model")
    list_filter = ("status", "stop_requested")
    search_fields = ("id", "owner__username", "mlflow_run_id")
    readonly_fields = [f.name for f in TrainingRun._meta.fields]


@admin.register(EpisodeLog)
class EpisodeLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "model", "maze_id", "steps", "success", "total_reward")
    list_filter = ("success", "model", "maze_id", "created_at")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in EpisodeLog._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # written by the viewer's sockets only
