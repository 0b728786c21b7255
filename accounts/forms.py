from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts.signin import sign_in_wait_seconds
from scoop_byok.http import client_ip


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, saying so when attempts are throttled."""

    def clean(self):  # type: ignore[no-untyped-def]
        wait = sign_in_wait_seconds(
            email=str(self.data.get("username", "")),
            ip=(client_ip(self.request) if self.request else None) or "",
        )
        if wait:
            raise ValidationError(
                f"Too many sign-in attempts — wait {wait} seconds.", code="throttled"
            )
        return super().clean()
