"""Base classes for API views scoped to one of the caller's accounts."""

from typing import Any

from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.permissions import require_manager, require_member


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
