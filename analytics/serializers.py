from rest_framework import serializers

from aiprovider.models import TaskType
from analytics.models import Dataset
from scoop_byok.serializers import StrictFieldsMixin


class DatasetUploadSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    file = serializers.FileField(help_text="A UTF-8 CSV file with a header row.")


class DatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = ["id", "name", "row_count", "columns", "summary_status", "created_at"]
        read_only_fields = fields


class DatasetDetailSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = [
            "id",
            "name",
            "row_count",
            "columns",
            "summary_status",
            "summary",
            "summary_error",
            "summary_provider",
            "created_at",
        ]
        read_only_fields = fields


class QuestionSerializer(StrictFieldsMixin, serializers.Serializer):
    question = serializers.CharField(max_length=2000)
    task = serializers.ChoiceField(
        choices=TaskType.values,
        default=TaskType.QUERY,
        error_messages={
            "invalid_choice": f"Choose one of: {', '.join(TaskType.values)}."
        },
    )
    dataset = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Id of one of this account's datasets.",
    )


class UsageTokensSerializer(serializers.Serializer):
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()


class QueryAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    answer = serializers.CharField()
    provider = serializers.CharField()
    model = serializers.CharField()
    billing = serializers.CharField()
    usage = UsageTokensSerializer()
    credits_charged = serializers.DecimalField(max_digits=14, decimal_places=4)
    fell_back = serializers.BooleanField(
        help_text="The account's provider was unavailable, so Scoop AI answered "
        "on credits (the owner's fallback setting)."
    )
