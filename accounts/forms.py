from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts.signin import refused_wait_seconds, throttled_message


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, saying so when attempts are throttled."""

    def clean(self):  # type: ignore[no-untyped-def]
        try:
            return super().clean()
        except ValidationError:
            wait = refused_wait_seconds(self.request)
            if wait:
                raise ValidationError(
                    throttled_message(wait), code="throttled"
                ) from None
            raise
