"""Pages: the signed-in user's API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.api.views import expiry_from
from accounts.selectors import tokens_of
from accounts.services import token_issue, token_revoke_own
from core.errors import DomainError

EXPIRY_CHOICES = [("", "never"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, initial="laptop")
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False, label="Expires in"
    )


@login_required
def tokens_page(request):
    form, new_token = TokenForm(), None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, new_token = token_issue(
                    user=request.user, name=form.cleaned_data["name"], expires_at=expiry_from(form.cleaned_data)
                )
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                form = TokenForm()
    # A new secret is rendered in this response only (not redirected): it is never stored.
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "new_token": new_token, "tokens": tokens_of(user=request.user)},
        status=201 if new_token else 200,
    )


@login_required
@require_POST
def token_revoke_page(request, pk: int):
    try:
        token = token_revoke_own(user=request.user, token_id=pk)
        messages.success(request, f"Revoked token {token.name} ({token.prefix}).")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("tokens")
