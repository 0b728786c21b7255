"""Keep the Django admin's URL filters away from secret columns."""

from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest


class ListedFiltersOnly:
    """Allow list filters only on the fields the list itself offers.

    By default staff may filter a list by any field through the URL, e.g.
    ``?encrypted_key__startswith=v1.a``, and so read a ciphertext, a token
    prefix or a password hash one character at a time from which rows
    remain. Only the sidebar's filters and the date hierarchy are allowed.
    """

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        offered = {
            entry if isinstance(entry, str) else entry[0]
            for entry in getattr(self, "list_filter", ())
            if isinstance(entry, str | tuple | list)
        }
        hierarchy = getattr(self, "date_hierarchy", None)
        if hierarchy:
            offered.add(hierarchy)
        if lookup.split(LOOKUP_SEP)[0] not in offered:
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]
