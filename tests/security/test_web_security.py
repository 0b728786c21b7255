"""CSRF, security headers, deployment checks and sign-in throttling."""

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from aiprovider.models import ProviderConfig
from analytics.models import Dataset
from tests.security.conftest import canary

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = REPO_ROOT / "templates"
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
CSV = b"region,sales\nnorth,10\nsouth,20\n"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def test_every_post_form_in_the_templates_carries_a_csrf_token():
    forms = []
    for template in TEMPLATES.rglob("*.html"):
        for body in POST_FORM.findall(template.read_text()):
            forms.append((template.name, "{% csrf_token %}" in body))

    assert forms, "no POST forms found"
    assert [name for name, protected in forms if not protected] == []


@pytest.fixture
def dataset(account, owner) -> Dataset:  # type: ignore[no-untyped-def]
    from analytics.services import dataset_create

    return dataset_create(account=account, user=owner, name="Sales", raw=CSV)


@pytest.fixture
def csrf_browser(owner) -> Client:  # type: ignore[no-untyped-def]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    return browser


def web_writes(account, dataset, api_key):  # type: ignore[no-untyped-def]
    account_id = account.pk
    return {
        "settings save": (
            reverse("ai-provider-settings", kwargs={"account_id": account_id}),
            {"provider": "anthropic", "api_key": api_key, "version": 1},
        ),
        "settings clear": (
            reverse("ai-provider-clear", kwargs={"account_id": account_id}),
            {},
        ),
        "dataset upload": (
            reverse("datasets", kwargs={"account_id": account_id}),
            {"name": "Forged", "file": SimpleUploadedFile("f.csv", CSV)},
        ),
        "question": (
            reverse(
                "dataset", kwargs={"account_id": account_id, "dataset_id": dataset.pk}
            ),
            {"question": "Show me a summary of this data", "task": "query"},
        ),
        "summarise": (
            reverse(
                "dataset-summarise",
                kwargs={"account_id": account_id, "dataset_id": dataset.pk},
            ),
            {},
        ),
        "logout": (reverse("logout"), {}),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "settings save",
        "settings clear",
        "dataset upload",
        "question",
        "summarise",
        "logout",
    ],
)
def test_web_writes_without_a_csrf_token_are_refused(
    name, csrf_browser, account, dataset, save_key
):
    save_key(account, "openai", canary("openai"))
    before = ProviderConfig.objects.get(account=account).version
    datasets = Dataset.objects.count()
    url, data = web_writes(account, dataset, canary("anthropic"))[name]

    response = csrf_browser.post(url, data)

    assert response.status_code == 403
    assert ProviderConfig.objects.get(account=account).version == before
    assert Dataset.objects.count() == datasets
    assert (
        csrf_browser.get(
            reverse("ai-provider-settings", kwargs={"account_id": account.pk})
        ).status_code
        == 200
    )  # still signed in


@pytest.mark.django_db
def test_a_web_save_with_the_page_csrf_token_is_accepted(csrf_browser, account):
    url = reverse("ai-provider-settings", kwargs={"account_id": account.pk})
    token = csrf_browser.get(url).cookies["csrftoken"].value

    response = csrf_browser.post(
        url,
        {
            "provider": "anthropic",
            "api_key": canary("anthropic"),
            "version": 1,
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert ProviderConfig.objects.get(account=account).provider == "anthropic"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,path,body",
    [
        ("put", "api-ai-provider", {"provider": "openai"}),
        ("patch", "api-ai-provider", {"provider": "openai"}),
        ("delete", "api-ai-provider", None),
        ("post", "api-key-tests", {"provider": "openai"}),
        ("post", "api-queries", {"question": "Hi"}),
    ],
)
def test_session_authenticated_api_writes_need_the_csrf_token(
    method, path, body, csrf_browser, account, save_key, queued_key_tests
):
    save_key(account, "openai", canary("openai"))
    before = ProviderConfig.objects.get(account=account).version
    url = reverse(path, kwargs={"account_id": account.pk})

    response = getattr(csrf_browser, method)(url, body, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]
    assert ProviderConfig.objects.get(account=account).version == before
    assert queued_key_tests == []


@pytest.mark.django_db
def test_a_session_api_upload_without_csrf_is_refused(csrf_browser, account):
    response = csrf_browser.post(
        reverse("api-datasets", kwargs={"account_id": account.pk}),
        {"name": "Forged", "file": SimpleUploadedFile("f.csv", CSV)},
    )

    assert response.status_code == 403
    assert not Dataset.objects.filter(name="Forged").exists()


@pytest.mark.django_db
def test_token_authenticated_api_writes_need_no_csrf_token(owner, account, api_for):
    client = api_for(owner)
    client.enforce_csrf_checks = True

    response = client.put(
        reverse("api-ai-provider", kwargs={"account_id": account.pk}),
        {"provider": "openai"},
        format="json",
    )

    assert response.status_code == 200


# Headers ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["login", "settings", "api"])
def test_responses_carry_the_security_headers(page, owner, account, client_for):
    url = {
        "login": reverse("login"),
        "settings": reverse("ai-provider-settings", kwargs={"account_id": account.pk}),
        "api": reverse("api-ai-provider", kwargs={"account_id": account.pk}),
    }[page]

    response = client_for(owner).get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_that_show_key_state_are_not_cached(owner, account, client_for):
    response = client_for(owner).get(
        reverse("ai-provider-settings", kwargs={"account_id": account.pk})
    )

    assert "no-store" in response.get("Cache-Control", "") or "private" in (
        response.get("Cache-Control", "")
    )


@pytest.mark.django_db
def test_the_key_input_is_a_password_field_never_prefilled(
    owner, account, save_key, client_for
):
    save_key(account, "anthropic", canary("anthropic"))

    html = (
        client_for(owner)
        .get(reverse("ai-provider-settings", kwargs={"account_id": account.pk}))
        .content.decode()
    )

    key_input = re.search(r"<input[^>]*name=\"api_key\"[^>]*>", html)
    assert key_input is not None
    assert 'type="password"' in key_input.group(0)
    assert "value=" not in key_input.group(0)
    assert 'autocomplete="off"' in key_input.group(0)


# Production settings -------------------------------------------------------------


def production_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "scoop_byok.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "BYOK_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "scoop.example.test",
        "CELERY_BROKER_URL": "memory://",
        # A developer's .env (bin/demo writes one) must not fill the gaps.
        "SCOOP_IGNORE_DOTENV": "1",
        **extra,
    }


def test_the_deployment_check_is_clean_with_production_settings(tmp_path):
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_production_settings_are_https_only():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
            "s.SECURE_PROXY_SSL_HEADER, s.DEBUG)",
        ],
        cwd=REPO_ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == (
        "True True True True ('HTTP_X_FORWARDED_PROTO', 'https') False"
    )


# Sign-in throttling -------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_token_endpoint_throttles_password_guessing(owner):
    anonymous = Client()
    answers = [
        anonymous.post(
            reverse("api-token"),
            {"username": owner.email, "password": f"guess {attempt}"},
            content_type="application/json",
        )
        for attempt in range(30)
    ]

    statuses = [answer.status_code for answer in answers]
    assert statuses[0] == 400
    assert 429 in statuses
    throttled = answers[statuses.index(429)]
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_web_sign_in_throttles_password_guessing(owner):
    browser = Client()
    statuses = [
        browser.post(
            reverse("login"), {"username": owner.email, "password": f"guess {n}"}
        ).status_code
        for n in range(30)
    ]

    assert statuses[0] == 200
    assert 429 in statuses
    correct = browser.post(
        reverse("login"),
        {"username": owner.email, "password": "correct horse battery staple"},
    )
    assert correct.status_code == 429  # even the right password waits
    assert not User.objects.get(pk=owner.pk).last_login
