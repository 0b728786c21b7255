"""REST endpoints for AI provider settings and key tests."""

from django.shortcuts import get_object_or_404
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import AccountAPIView
from aiprovider.models import AuditSource, KeyTest
from aiprovider.serializers import KeyTestRequestSerializer, KeyTestSerializer
from aiprovider.services import key_test_refresh, key_test_request
from scoop_byok.http import client_ip


class KeyTestListView(AccountAPIView):
    managers_only = True

    @extend_schema(
        request=KeyTestRequestSerializer,
        responses={202: KeyTestSerializer},
        summary="Test an API key asynchronously",
    )
    @sensitive_variables("serializer")
    def post(self, request: Request, account_id: int) -> Response:
        serializer = KeyTestRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        test = key_test_request(
            account=self.account,
            actor=request.user,
            source=AuditSource.API,
            provider=serializer.validated_data["provider"],
            api_key=serializer.validated_data.get("api_key"),
            ip_address=client_ip(request),
        )
        return Response(KeyTestSerializer(test).data, status=status.HTTP_202_ACCEPTED)


class KeyTestDetailView(AccountAPIView):
    managers_only = True

    @extend_schema(responses=KeyTestSerializer, summary="Poll a key test")
    def get(self, request: Request, account_id: int, test_id: str) -> Response:
        test = get_object_or_404(KeyTest, pk=test_id, account=self.account)
        return Response(KeyTestSerializer(key_test_refresh(test)).data)
