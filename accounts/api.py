"""Base classes for API views scoped to one of the caller's accounts."""

from typing import Any

from django.contrib.auth import authenticate
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.permissions import require_manager, require_member
from accounts.selectors import memberships_of
from accounts.services import api_token_create
from accounts.signin import refused_wait_seconds, throttled_message
from scoop_byok.serializers import StrictFieldsMixin


class AccountAPIView(APIView):
    """Resolve ``account_id`` to the caller's membership before any handler.

    Outsiders (staff included) get 404, members of a managers-only view 403.
    """

    managers_only = False
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        resolve = require_manager if self.managers_only else require_member
        self.membership = resolve(request.user, kwargs["account_id"])

    @property
    def account(self):  # type: ignore[no-untyped-def]
        return self.membership.account


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="account_id")
    name = serializers.CharField(source="account.name")
    role = serializers.CharField()


class AccountListView(ListAPIView):
    """The caller's accounts and their role in each."""

    serializer_class = MembershipSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return memberships_of(self.request.user)


class SignInSerializer(StrictFieldsMixin, serializers.Serializer):
    username = serializers.CharField(help_text="Your email address.", max_length=254)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class SignInThrottle(AnonRateThrottle):
    scope = "sign_in"


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenCreateView(APIView):
    """Exchange email and password for an expiring API token."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [SignInThrottle]

    @extend_schema(request=SignInSerializer, responses={200: TokenSerializer})
    @sensitive_variables("serializer")
    def post(self, request: Request) -> Response:
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        wait = refused_wait_seconds(request._request)
        if wait:
            raise Throttled(wait=wait, detail=throttled_message(wait))
        if user is None:
            # A 400, not a 401: this endpoint itself needs no credentials.
            raise serializers.ValidationError(
                "Unable to sign in with that email and password.",
                code="invalid_credentials",
            )
        instance, token = api_token_create(user=user)
        return Response({"token": token, "expiry": instance.expiry})
