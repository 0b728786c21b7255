"""API shapes for AI provider configuration and key tests."""

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers

from aiprovider.models import BYOK_PROVIDERS, AuditEvent, KeyTest, Provider
from aiprovider.reports import GROUPINGS
from scoop_byok.serializers import StrictFieldsMixin

PROVIDER_CHOICE_MESSAGE = "Choose one of: anthropic, openai."
# Far beyond any real key: refused before the key checks read each character.
API_KEY_INPUT_MAX = 4096


class APIKeyField(serializers.CharField):
    """A write-only key input; blank, null or omitted means "no new key"."""

    default_error_messages = {
        "key_too_long": "That is far longer than any API key. Check that only "
        "the key was pasted.",
    }

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            required=False,
            allow_blank=True,
            allow_null=True,
            trim_whitespace=False,
            write_only=True,
            max_length=API_KEY_INPUT_MAX,
            style={"input_type": "password"},
            **kwargs,
        )
        # A NUL is one more control character: the key checks name it and
        # its position with their own stable code.
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]

    def to_internal_value(self, data: object) -> str:
        value = super().to_internal_value(data)
        # Checked here, before the generic max_length validator, so the
        # error carries the stable code of the key checks.
        if len(value) > API_KEY_INPUT_MAX:
            self.fail("key_too_long")
        return value


class KeyTestStartSerializer(StrictFieldsMixin, serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=[p.value for p in BYOK_PROVIDERS],
        error_messages={"invalid_choice": PROVIDER_CHOICE_MESSAGE},
    )
    api_key = APIKeyField(
        help_text="The key to test; omit it to re-test the saved key. Never returned."
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


class ProviderConfigUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=[p.value for p in Provider],
        error_messages={"invalid_choice": "Choose one of: system, anthropic, openai."},
    )
    api_key = APIKeyField(
        help_text="The new key; blank, null or omitted keeps the stored key. "
        "Never returned."
    )
    fallback_to_system = serializers.BooleanField(required=False)


class LastTestSerializer(serializers.Serializer):
    result = serializers.CharField()
    message = serializers.CharField()
    finished_at = serializers.DateTimeField()


class KeyHealthSerializer(serializers.Serializer):
    saved_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_failure_at = serializers.DateTimeField(allow_null=True)
    last_failure = serializers.CharField(allow_blank=True)
    breaker_open = serializers.BooleanField()


class ProviderConfigSerializer(serializers.Serializer):
    """The configuration as API clients see it: state, never the key."""

    provider = serializers.CharField()
    key_configured = serializers.BooleanField()
    key_hint = serializers.CharField(allow_blank=True)
    stored_key_provider = serializers.CharField(allow_blank=True)
    byok_active = serializers.BooleanField()
    status_message = serializers.CharField()
    fallback_to_system = serializers.BooleanField()
    last_test = LastTestSerializer(allow_null=True)
    key_health = KeyHealthSerializer()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.EmailField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), required=False)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor_email", allow_blank=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "source",
            "actor",
            "ip_address",
            "provider",
            "key_hint",
            "detail",
        ]
        read_only_fields = fields


class UsageQuerySerializer(serializers.Serializer):
    group_by = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Comma-separated: user, task, provider, billing, day.",
    )
    to = serializers.DateField(required=False, help_text="Last UTC day, YYYY-MM-DD.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so it cannot be declared as an
        # attribute; added here, it is bound (and validated) under its name.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="First UTC day, YYYY-MM-DD."
        )
        return fields

    def validate_group_by(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in GROUPINGS]
        if unknown:
            raise serializers.ValidationError(
                f"Group by any of: {', '.join(GROUPINGS)}.", code="invalid_choice"
            )
        return list(dict.fromkeys(names))

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:  # type: ignore[operator]
            raise serializers.ValidationError(
                {"to": ["Choose a 'to' day on or after the 'from' day."]},
                code="invalid",
            )
        return attrs
