"""Signing in to the web app."""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from accounts.signin import refused_wait_seconds, throttled_message


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(LoginView):
    """Django's sign-in, saying how long to wait after repeated failures.

    The authentication backend counts failures and refuses attempts.
    """

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        wait = refused_wait_seconds(self.request)
        if not wait:
            return super().form_invalid(form)
        form.errors.clear()
        form.add_error(None, throttled_message(wait))
        response = self.render_to_response(
            self.get_context_data(form=form, throttled=True), status=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
