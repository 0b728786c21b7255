"""View decorators that resolve the account in the URL for the signed-in user."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import MANAGERS_ONLY, require_member


def account_view(*, managers_only: bool = False) -> Callable[..., Any]:
    """Pass the user's membership of ``account_id`` to the view.

    Outsiders get 404; members on a managers-only page get a 403 page that
    says who can see it.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, account_id: int, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            membership = require_member(request.user, account_id)
            # The page's context processors reuse it rather than look it up
            # again (it comes with the account's AI configuration loaded).
            request.account_membership = membership
            if managers_only and not membership.can_manage_ai:
                return render(
                    request,
                    "accounts/managers_only.html",
                    {"message": MANAGERS_ONLY},
                    status=403,
                )
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorator
