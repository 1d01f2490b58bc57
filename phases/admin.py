"""Staff edit a benchmark's phases here; ``leaderboard.admin`` adds the close action (it reveals)."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from benchmarks import registry
from phases.models import Phase, PhaseAudit, PhaseState


class PhaseAuditInline(admin.TabularInline):
    """Audit rows are written by the close and the reveal only: shown, never added or removed here."""

    model = PhaseAudit
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "detail", "at"]

    def has_add_permission(self, request, obj=None):
        return False


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = "__all__"
        widgets = {"benchmark": forms.Select}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "benchmark" in self.fields:  # absent when the phase has ended (read-only)
            self.fields["benchmark"].widget.choices = [(b.slug, b.slug) for b in registry.all_benchmarks()]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    form = PhaseForm
    list_display = [
        "benchmark",
        "name",
        "starts_at",
        "ends_at",
        "timezone",
        "ranks_on",
        "max_per_day",
        "max_total",
        "max_concurrent",
        "final_max",
        "board_visible",
        "current_state",
        "revealed_at",
    ]
    list_filter = ["benchmark", "ranks_on"]
    readonly_fields = ["revealed_at", "revealed_by", "created_at"]
    inlines = [PhaseAuditInline]

    @admin.display(description="state")
    def current_state(self, obj: Phase) -> str:
        return obj.state(timezone.now())

    def get_readonly_fields(self, request, obj=None):
        # No reopening: once a phase has ended (or been revealed) nothing about it changes;
        # staff start a new phase instead.
        if obj is not None and obj.state(timezone.now()) == PhaseState.ENDED:
            return [f.name for f in Phase._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.state(timezone.now()) == PhaseState.UPCOMING
