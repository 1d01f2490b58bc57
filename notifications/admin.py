from django.contrib import admin

from notifications.models import NotificationSettings, PendingNotification, PhaseNotice


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "job_emails", "phase_emails", "updated_at")
    list_filter = ("job_emails", "phase_emails")
    search_fields = ("user__username", "user__email")


@admin.register(PendingNotification)
class PendingNotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "created_at", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username",)
    readonly_fields = ("user", "kind", "line", "created_at", "batch", "sent_at")


@admin.register(PhaseNotice)
class PhaseNoticeAdmin(admin.ModelAdmin):
    list_display = ("phase", "kind", "at")
    list_filter = ("kind",)
