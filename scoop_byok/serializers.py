"""Serializer behaviour shared by the API's write endpoints."""

from typing import Any

from rest_framework import serializers

from aiprovider.keyformat import contains_api_key

MAX_NAME_SHOWN = 40


class StrictFieldsMixin:
    """Refuse fields the endpoint does not know instead of ignoring them.

    A misspelt ``fallback_to_sytem`` would otherwise be dropped silently and
    the request "succeed" without doing what was asked. The unknown names
    are listed, except one that looks like a key, which is never echoed.
    """

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(
                str(name)
                for name in data.keys()
                if name not in self.fields  # type: ignore[attr-defined]
            )
            if unknown:
                shown = ", ".join(_shown(name) for name in unknown)
                raise serializers.ValidationError(
                    {
                        serializers.api_settings.NON_FIELD_ERRORS_KEY: [
                            serializers.ErrorDetail(
                                f"Unknown field(s): {shown}. Check the "
                                "spelling against /api/v1/docs/.",
                                code="unknown_field",
                            )
                        ]
                    }
                )
        return super().to_internal_value(data)  # type: ignore[misc]


def _shown(name: str) -> str:
    if contains_api_key(name):
        return "(a name that looks like an API key)"
    return name[:MAX_NAME_SHOWN]
