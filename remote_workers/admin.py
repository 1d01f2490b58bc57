from django.contrib import admin, messages
from django.utils import timezone

from remote_workers.models import WorkerToken
from remote_workers.services import claimable_pools, worker_token_issue, worker_token_revoke


@admin.register(WorkerToken)
class WorkerTokenAdmin(admin.ModelAdmin):
    """Staff make a token here (shown once, in the message after saving) and revoke it with the action."""

    list_display = ["name", "prefix", "pools", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, raw = worker_token_issue(name=obj.name, pools=list(obj.pools or []), created_by=request.user)
        obj.pk, obj.prefix = token.pk, token.prefix
        messages.warning(
            request, f"Worker token for {token.name} (pools {', '.join(token.pools)}), shown only now: {raw}"
        )

    def get_changeform_initial_data(self, request):
        return {"pools": claimable_pools()[:1]}

    @admin.action(description="Revoke the selected worker tokens")
    def revoke(self, request, queryset):
        revoked = sum(worker_token_revoke(token=token) for token in queryset)
        self.message_user(request, f"{revoked} worker token(s) revoked at {timezone.now():%H:%M:%S} UTC.")
