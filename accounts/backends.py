"""Sign-in by email and password, with guessing throttled on every way in.

The web form, the Django admin's form and the API token endpoint all call
``authenticate``; counting failures here covers each of them, and any way
in added later.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from accounts.signin import sign_in_failure_record, sign_in_wait_seconds
from scoop_byok.http import client_ip


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> User | None:
        email = str(username or kwargs.get(User.USERNAME_FIELD) or "")
        ip = (client_ip(request) if request is not None else None) or ""
        wait = sign_in_wait_seconds(email=email, ip=ip)
        if wait:
            if request is not None:
                request.sign_in_wait_s = wait
            # Stops authenticate() at once, without trying the password.
            raise PermissionDenied
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            sign_in_failure_record(email=email, ip=ip)
        return user
