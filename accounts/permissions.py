"""Who may do what in an account, shared by the web views and the API.

A user who is not a member of an account is told it does not exist (404),
staff included; a member without the right role is refused (403).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Membership, User
from accounts.selectors import membership_in

MANAGERS_ONLY = "Only visible to owners and admins"


class NotAManager(PermissionDenied):
    """A member tried to see or change what only owners and admins may."""


def require_member(user: User, account_id: object) -> Membership:
    """Return the user's membership in the account, or raise Http404."""
    membership = membership_in(user, account_id)
    if membership is None:
        raise Http404("No such account.")
    return membership


def require_manager(user: User, account_id: object) -> Membership:
    """Return the membership of an owner or admin, else raise 404 or 403."""
    membership = require_member(user, account_id)
    if not membership.can_manage_ai:
        raise NotAManager(MANAGERS_ONLY)
    return membership
