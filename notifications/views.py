"""The settings page and the unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from notifications import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notification_settings_update(
            user=request.user,
            job_emails=request.POST.get("job_emails") == "on",
            phase_emails=request.POST.get("phase_emails") == "on",
        )
        messages.success(request, "Saved.")
        return redirect("notification-settings")
    context = {"settings": selectors.settings_of(request.user), "email": request.user.email}
    return render(request, "notifications/settings.html", context)


# No CSRF token: the signed link is the authority, and RFC 8058 mail clients POST it without a page.
# A GET only shows the button, so a mail scanner that follows links unsubscribes nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "notifications/unsubscribe.html", {"done": False})
    try:
        services.notifications_unsubscribe(token=token)
    except DomainError as exc:
        return render(request, "notifications/unsubscribe.html", {"error": exc.detail}, status=400)
    return render(request, "notifications/unsubscribe.html", {"done": True})
