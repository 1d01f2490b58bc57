from django.contrib import admin

from submissions.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "benchmark", "method", "size_bytes", "created_at"]
    list_filter = ["benchmark"]
    search_fields = ["id", "method", "owner__username", "sha256"]
    readonly_fields = [
        "id",
        "owner",
        "benchmark",
        "method",
        "entrypoint",
        "config_file",
        "sha256",
        "size_bytes",
        "files",
        "archive",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # submissions come through the API, validated
