from django.contrib import admin, messages

from accounts.models import ApiToken, Invite
from accounts.services import token_issue, token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        # Tokens are issued and revoked, never edited.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        token, raw = token_issue(user=obj.user, name=obj.name)
        obj.pk = token.pk
        obj.prefix = token.prefix
        self.message_user(
            request, f"Token for {obj.user}: {raw} — copy it now, it is not shown again.", messages.WARNING
        )

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    """Sign-up codes for LB_SIGNUP=invite: send the sign-up link shown in the list."""

    list_display = ["note", "signup_link", "created_at", "used_at", "used_by"]
    readonly_fields = ["code", "created_at", "used_at", "used_by"]
    fields = ["note", "code", "created_at", "used_at", "used_by"]

    def save_model(self, request, obj, form, change):
        if not obj.code:
            import secrets

            obj.code = secrets.token_urlsafe(16)
        super().save_model(request, obj, form, change)

    @admin.display(description="Sign-up link")
    def signup_link(self, obj) -> str:
        return f"/accounts/signup/?invite={obj.code}"
