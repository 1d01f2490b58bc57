from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from core.errors import DomainError
from leaderboard.finals import phase_close
from leaderboard.models import BenchmarkState, Entry, EntryAudit
from leaderboard.services import entry_hide, entry_set_baseline, entry_unhide
from phases import admin as phases_admin
from phases.models import Phase


class AuditInline(admin.TabularInline):
    """Audit rows are written by the services only: shown, never added or removed here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EntryAuditInline(AuditInline):
    model = EntryAudit
    readonly_fields = ["action", "reason", "actor", "at"]


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, required=True)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["method", "owner", "benchmark", "baseline", "hidden", "hidden_reason", "hidden_by", "hidden_at"]
    list_filter = ["benchmark", "hidden", "baseline"]
    search_fields = ["method", "owner__username"]
    readonly_fields = [
        "benchmark",
        "owner",
        "method",
        "baseline",
        "hidden",
        "hidden_reason",
        "hidden_by",
        "hidden_at",
        "created_at",
    ]
    inlines = [EntryAuditInline]
    actions = ["hide", "unhide", "mark_baseline", "unmark_baseline"]

    @admin.action(description="Hide from the public board (asks for a reason)")
    def hide(self, request, queryset):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                for entry in queryset:
                    entry_hide(entry=entry, actor=request.user, reason=form.cleaned_data["reason"])
                self.message_user(request, f"Hid {queryset.count()} entr(ies).")
                return None
        else:
            form = ReasonForm()
        return render(
            request,
            "admin/leaderboard/hide_reason.html",
            {"form": form, "entries": queryset, "action": "hide", "opts": self.model._meta},
        )

    @admin.action(description="Unhide")
    def unhide(self, request, queryset):
        for entry in queryset:
            entry_unhide(entry=entry, actor=request.user)

    @admin.action(description="Mark as baseline")
    def mark_baseline(self, request, queryset):
        for entry in queryset:
            entry_set_baseline(entry=entry, actor=request.user, baseline=True)

    @admin.action(description="Remove baseline badge")
    def unmark_baseline(self, request, queryset):
        for entry in queryset:
            entry_set_baseline(entry=entry, actor=request.user, baseline=False)


# The phase admin lives with the model (phases/admin.py); closing a phase reveals its
# private ranking, which is the leaderboard's, so the leaderboard registers it again with
# the close action.
admin.site.unregister(Phase)


@admin.register(Phase)
class PhaseAdmin(phases_admin.PhaseAdmin):
    actions = ["close"]

    @admin.action(description="Close now (ends the phase; a private phase is revealed once its jobs finish)")
    def close(self, request, queryset):
        for phase in queryset:
            _close(self, request, phase.benchmark)


def _close(model_admin, request, slug: str) -> None:
    try:
        outcome = phase_close(slug=slug, actor=request.user)
    except DomainError as exc:
        model_admin.message_user(request, f"{slug}: {exc.detail}", messages.WARNING)
        return
    model_admin.message_user(request, f"{slug}: {outcome.detail}")


@admin.register(BenchmarkState)
class BenchmarkStateAdmin(admin.ModelAdmin):
    list_display = ["slug"]
    actions = ["close", "reproduce"]

    @admin.action(description="Re-run the top lines of the board (reproduction; LB_REPRODUCE_TOP_K)")
    def reproduce(self, request, queryset):
        from leaderboard.reproduction import board_reproduce

        for state in queryset:
            made = board_reproduce(slug=state.slug, actor=request.user)
            self.message_user(request, f"{state.slug}: {len(made)} re-run(s) queued")

    @admin.action(description="Close the current phase (a benchmark with no phase: its implicit open one)")
    def close(self, request, queryset):
        for state in queryset:
            _close(self, request, state.slug)
