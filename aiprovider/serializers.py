"""API shapes for AI provider configuration and key tests."""

from rest_framework import serializers

from aiprovider.models import BYOK_PROVIDERS, KeyTest

PROVIDER_CHOICE_MESSAGE = "Choose one of: anthropic, openai."


class KeyTestRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=[p.value for p in BYOK_PROVIDERS],
        error_messages={"invalid_choice": PROVIDER_CHOICE_MESSAGE},
    )
    api_key = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        write_only=True,
        max_length=4096,
        help_text="The key to test; omit it to re-test the saved key. Never returned.",
        style={"input_type": "password"},
        error_messages={"max_length": "That is far longer than any API key."},
    )


class KeyTestSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyTest
        fields = [
            "id",
            "status",
            "result",
            "message",
            "retry_after_s",
            "provider",
            "provider_request_id",
            "key_hint",
            "duration_ms",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
