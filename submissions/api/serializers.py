from rest_framework import serializers

from submissions.models import Submission


class SubmissionCreateSerializer(serializers.Serializer):
    benchmark = serializers.CharField(max_length=64)
    method = serializers.CharField(max_length=100)
    entrypoint = serializers.CharField(max_length=255, required=False, default="main.py")
    config_file = serializers.CharField(max_length=255, required=False, default="config.yaml")
    archive = serializers.FileField(required=False, allow_empty_file=True, help_text=".zip, .tar.gz, .tgz or .tar")
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False,
        help_text="Loose files; each filename carries its relative path (e.g. src/model.py).",
    )


class FileEntrySerializer(serializers.Serializer):
    path = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    files = FileEntrySerializer(many=True)

    class Meta:
        model = Submission
        fields = ["id", "benchmark", "method", "entrypoint", "config_file", "sha256", "size_bytes", "files",
                  "created_at"]
