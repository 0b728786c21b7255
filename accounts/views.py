"""Signing in to the web app."""

from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from accounts.signin import sign_in_wait_seconds
from scoop_byok.http import client_ip


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(LoginView):
    """Django's sign-in, saying how long to wait after repeated failures.

    The failures themselves are counted by the authentication backend.
    """

    def post(self, request, *args, **kwargs) -> HttpResponse:
        email = request.POST.get("username", "")
        wait = sign_in_wait_seconds(email=email, ip=client_ip(request) or "")
        if wait:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, f"Too many sign-in attempts — wait {wait} seconds.")
            response = self.render_to_response(
                self.get_context_data(form=form, throttled=True), status=429
            )
            response.headers["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)
