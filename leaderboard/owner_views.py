"""The entry page's owner forms: the method card and the listing (thin: parse, one service, redirect)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.method_card import method_card
from leaderboard.entry_owner import entry_set_card, entry_set_listing


@login_required
@require_POST
def entry_card(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        card = method_card(
            description=request.POST.get("description", ""),
            paper_url=request.POST.get("paper_url", ""),
            code_url=request.POST.get("code_url", ""),
        )
        entry_set_card(user=request.user, entry_id=pk, card=card)
        messages.success(request, "Method card saved.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("entry", pk=pk)


@login_required
@require_POST
def entry_listing(request: HttpRequest, pk: int) -> HttpResponse:
    unlisted = request.POST.get("unlisted") == "1"
    try:
        entry_set_listing(user=request.user, entry_id=pk, unlisted=unlisted)
        messages.success(request, "Unlisted: off the public board." if unlisted else "Listed on the public board.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("entry", pk=pk)
