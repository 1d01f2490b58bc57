from rest_framework import serializers

from leaderboard.api.serializers import FinalsSerializer, LimitSerializer


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    limits = LimitSerializer(many=True)
    finals = FinalsSerializer(many=True)
