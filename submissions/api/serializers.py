from rest_framework import serializers


class SubmissionCreateSerializer(serializers.Serializer):
    benchmark = serializers.CharField(max_length=64)
    method = serializers.CharField(max_length=100)
    entrypoint = serializers.CharField(max_length=255, required=False, default="main.py")
    config_file = serializers.CharField(max_length=255, required=False, default="config.yaml")
    archive = serializers.FileField(required=False, allow_empty_file=True, help_text=".zip, .tar.gz, .tgz or .tar")
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        help_text="Loose files; each filename carries its relative path (e.g. src/model.py).",
    )
    # The method card: shown on the entry page and linked from the board once a job completes.
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20_000, trim_whitespace=False,
        help_text="Markdown (raw HTML is shown as text).",
    )  # fmt: skip
    paper_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    code_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    team = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Submit as this team of yours (its id)."
    )


SUBMISSION_CREATE_FORM = SubmissionCreateSerializer()  # validates every upload (core.validation)


class FileEntrySerializer(serializers.Serializer):
    path = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


# A plain Serializer, not a ModelSerializer: it answers every upload, and deriving its
# fields from the model on each call cost 0.5 ms of a ~9 ms upload (docs/performance.md).
class SubmissionSerializer(serializers.Serializer):
    """A stored submission: what was uploaded, and the manifest its jobs are checked against."""

    id = serializers.UUIDField(read_only=True)
    benchmark = serializers.SlugField(read_only=True, max_length=64)
    method = serializers.CharField(read_only=True, max_length=100)
    entrypoint = serializers.CharField(read_only=True, max_length=255)
    config_file = serializers.CharField(read_only=True, max_length=255)
    sha256 = serializers.CharField(
        read_only=True, max_length=64, help_text="Content hash over the sorted manifest (paths, sizes, file hashes)."
    )
    size_bytes = serializers.IntegerField(read_only=True, min_value=0)
    files = FileEntrySerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    description = serializers.CharField(read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    paper_url = serializers.CharField(read_only=True)
    code_url = serializers.CharField(read_only=True)


# One instance renders every response: a new Serializer per call deep-copies its declared
# fields (and the nested manifest serializer's) first, which was most of its cost.
_SUBMISSION_RENDERER = SubmissionSerializer()


def submission_data(submission) -> dict:
    """What ``SubmissionSerializer(submission).data`` gives."""
    return _SUBMISSION_RENDERER.to_representation(submission)
