from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from leaderboard.errors import DomainError
from leaderboard.models import BenchmarkState, Entry, EntryAudit
from leaderboard.services import benchmark_close, benchmark_reopen, entry_hide, entry_set_baseline, entry_unhide


class EntryAuditInline(admin.TabularInline):
    model = EntryAudit
    extra = 0
    can_delete = False
    readonly_fields = ["action", "reason", "actor", "at"]

    def has_add_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, required=True)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["method", "owner", "benchmark", "baseline", "hidden", "hidden_reason", "hidden_by", "hidden_at"]
    list_filter = ["benchmark", "hidden", "baseline"]
    search_fields = ["method", "owner__username"]
    readonly_fields = ["benchmark", "owner", "method", "baseline", "hidden", "hidden_reason", "hidden_by",
                       "hidden_at", "created_at"]
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
        return render(request, "admin/leaderboard/hide_reason.html",
                      {"form": form, "entries": queryset, "action": "hide", "opts": self.model._meta})

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


@admin.register(BenchmarkState)
class BenchmarkStateAdmin(admin.ModelAdmin):
    list_display = ["slug", "closed_at", "closed_by"]
    actions = ["close", "reopen"]
    readonly_fields = ["closed_at", "closed_by"]

    @admin.action(description="Close: publish the private part and rank by it")
    def close(self, request, queryset):
        for state in queryset:
            try:
                benchmark_close(slug=state.slug, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.WARNING)

    @admin.action(description="Reopen (rank by the public part again)")
    def reopen(self, request, queryset):
        for state in queryset:
            benchmark_reopen(slug=state.slug, actor=request.user)
