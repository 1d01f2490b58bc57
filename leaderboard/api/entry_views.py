"""``/api/entries/<id>``: an entry with its method card; its owner edits the card and the listing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from core.method_card import MAX_DESCRIPTION_CHARS, method_card
from leaderboard import selectors
from leaderboard.entry_owner import entry_set_card, entry_set_listing, owned_entry
from leaderboard.models import Entry


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    benchmark = serializers.CharField()
    method = serializers.CharField()
    user = serializers.CharField(source="owner.username")
    team = serializers.CharField(
        source="team.name", allow_null=True, default=None, help_text="A team's entry: its name."
    )
    baseline = serializers.BooleanField()
    unlisted = serializers.BooleanField(help_text="The owner's choice: off the public board, still counts for finals.")
    description = serializers.CharField(help_text="Markdown; render it safely (raw HTML is not markup).")
    paper_url = serializers.CharField()
    code_url = serializers.CharField()


class EntryUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_DESCRIPTION_CHARS)
    paper_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    code_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    unlisted = serializers.BooleanField(required=False)


class EntryView(APIView):
    # GET follows the board (entries_visible_to: anyone sees a shown entry); PATCH is the owner's (404 else).
    permission_classes = [AllowAny]

    @extend_schema(responses={200: EntrySerializer}, operation_id="entries_retrieve")
    def get(self, request, pk: int):
        entry = selectors.entries_visible_to(request.user).select_related("owner").filter(pk=pk).first()
        if entry is None:
            raise NotFound(f"No entry {pk} visible to you.")
        return Response(EntrySerializer(entry).data)

    @extend_schema(request=EntryUpdateSerializer, responses={200: EntrySerializer}, operation_id="entries_update")
    def patch(self, request, pk: int):
        form = EntryUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        entry: Entry = owned_entry(user=request.user, entry_id=pk)
        if {"description", "paper_url", "code_url"} & data.keys():
            card = method_card(
                description=data.get("description", entry.description),
                paper_url=data.get("paper_url", entry.paper_url),
                code_url=data.get("code_url", entry.code_url),
            )
            entry = entry_set_card(user=request.user, entry_id=pk, card=card)
        if "unlisted" in data:
            entry = entry_set_listing(user=request.user, entry_id=pk, unlisted=data["unlisted"])
        return Response(EntrySerializer(entry).data)
