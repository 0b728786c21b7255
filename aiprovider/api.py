"""REST endpoints for AI provider settings, key tests and audit events."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import AccountAPIView
from aiprovider.errors import ConfigConflict
from aiprovider.models import AuditEvent, AuditSource, KeyTest
from aiprovider.reports import UsagePeriod, usage_report
from aiprovider.selectors import config_representation, loaded_config_of
from aiprovider.serializers import (
    AuditEventSerializer,
    KeyTestSerializer,
    KeyTestStartSerializer,
    ProviderConfigSerializer,
    ProviderConfigUpdateSerializer,
    UsageQuerySerializer,
)
from aiprovider.services import (
    key_test_refresh,
    key_test_request,
    provider_config_clear,
    provider_config_update,
)
from scoop_byok.http import client_ip

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the configuration you read; a stale one gets 412.",
)


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """Return the version named by If-Match, None when absent or ``*``.

    An unparsable header cannot match any version, so it is a conflict.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ConfigConflict(
            "If-Match does not name a version of this configuration. GET it "
            "again and send its ETag."
        )
    return int(value)


# A form-encoded or multipart body lands in request.POST, which error
# reports show unless it is marked sensitive.
hide_posted_key = method_decorator(sensitive_post_parameters("api_key"), "dispatch")


@hide_posted_key
class ProviderConfigView(AccountAPIView):
    managers_only = True

    def _respond(self, config: object, warnings: list[str] | None = None) -> Response:
        body = config_representation(config)  # type: ignore[arg-type]
        if warnings is not None:
            body["warnings"] = warnings
        # ``body`` is already the documented shape (ProviderConfigSerializer
        # describes it for the schema); serialising it again costs time on
        # the most frequent read.
        response = Response(body)
        response["ETag"] = etag_for(body["version"])  # type: ignore[arg-type]
        return response

    @extend_schema(responses=ProviderConfigSerializer, summary="Read the AI provider")
    def get(self, request: Request, account_id: int) -> Response:
        return self._respond(loaded_config_of(self.account))

    @extend_schema(
        request=ProviderConfigUpdateSerializer,
        responses=ProviderConfigSerializer,
        parameters=[IF_MATCH],
        summary="Replace the AI provider settings",
    )
    def put(self, request: Request, account_id: int) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        request=ProviderConfigUpdateSerializer,
        responses=ProviderConfigSerializer,
        parameters=[IF_MATCH],
        summary="Change some AI provider settings",
    )
    def patch(self, request: Request, account_id: int) -> Response:
        return self._update(request, partial=True)

    @sensitive_variables("serializer", "data")
    def _update(self, request: Request, *, partial: bool) -> Response:
        serializer = ProviderConfigUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = provider_config_update(
            account=self.account,
            actor=request.user,
            source=AuditSource.API,
            provider=data.get("provider"),
            api_key=data.get("api_key"),
            fallback_to_system=data.get("fallback_to_system"),
            expected_version=expected_version(request),
            ip_address=client_ip(request),
        )
        return self._respond(saved.config, saved.warnings)

    @extend_schema(
        responses=ProviderConfigSerializer,
        parameters=[IF_MATCH],
        summary="Clear the key and use System Default",
    )
    def delete(self, request: Request, account_id: int) -> Response:
        config = provider_config_clear(
            account=self.account,
            actor=request.user,
            source=AuditSource.API,
            ip_address=client_ip(request),
            expected_version=expected_version(request),
        )
        return self._respond(config)


@hide_posted_key
class KeyTestListView(AccountAPIView):
    managers_only = True

    @extend_schema(
        request=KeyTestStartSerializer,
        responses={202: KeyTestSerializer},
        summary="Test an API key asynchronously",
    )
    @sensitive_variables("serializer")
    def post(self, request: Request, account_id: int) -> Response:
        serializer = KeyTestStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        test = key_test_request(
            account=self.account,
            actor=request.user,
            source=AuditSource.API,
            provider=serializer.validated_data["provider"],
            api_key=serializer.validated_data.get("api_key"),
            ip_address=client_ip(request),
        )
        # Where to poll for the result.
        location = reverse(
            "api-key-test", kwargs={"account_id": account_id, "test_id": test.pk}
        )
        return Response(
            KeyTestSerializer(test).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class KeyTestDetailView(AccountAPIView):
    managers_only = True

    @extend_schema(responses=KeyTestSerializer, summary="Poll a key test")
    def get(self, request: Request, account_id: int, test_id: str) -> Response:
        test = get_object_or_404(KeyTest, pk=test_id, account=self.account)
        return Response(KeyTestSerializer(key_test_refresh(test)).data)


class AuditEventListView(AccountAPIView, ListAPIView):
    managers_only = True
    serializer_class = AuditEventSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return AuditEvent.objects.filter(account=self.account).order_by(
            "-created_at", "-id"
        )


class UsageView(AccountAPIView):
    """Owners and admins see everyone's usage; members see their own."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                description="user,task,provider,billing,day",
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First UTC day"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last UTC day"),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="Tokens, estimated cost and credits",
    )
    def get(self, request: Request, account_id: int) -> Response:
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        only_user = None if self.membership.can_manage_ai else request.user
        report = usage_report(
            self.account,
            period=UsagePeriod(params.get("from"), params.get("to")),
            group_by=params.get("group_by") or [],
            only_user=only_user,
        )
        self.account.refresh_from_db(fields=["credits_balance"])
        return Response(
            {
                **report["totals"],  # type: ignore[dict-item]
                "scope": "account" if only_user is None else "own",
                "by_billing": report["by_billing"],
                "groups": report.get("groups", []),
                "credits_balance": str(self.account.credits_balance),
            }
        )
