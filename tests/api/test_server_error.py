"""A crash inside the API still answers in the JSON error envelope."""

import pytest
from django.test import Client

from aiprovider import api as aiprovider_api

pytestmark = pytest.mark.django_db


def test_an_unexpected_crash_answers_json_without_details(account, owner, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(aiprovider_api, "config_representation", crash)
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    response = client.get(f"/api/v1/accounts/{account.pk}/ai-provider/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert "secret internals" not in response.content.decode()


def test_a_crash_on_a_web_page_gets_the_html_error_page(account, owner, monkeypatch):
    from analytics import views

    def crash(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "preview_rows", crash)
    monkeypatch.setattr(views.Dataset.objects, "filter", crash)
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    response = client.get(f"/accounts/{account.pk}/datasets/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_database_error_while_saving_answers_503_and_saves_nothing(
    account, owner, key, monkeypatch
):
    from django.db import DatabaseError

    from aiprovider.models import ProviderConfig

    def failing_audit(**kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr("aiprovider.services.audit_record", failing_audit)
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    response = client.put(
        f"/api/v1/accounts/{account.pk}/ai-provider/",
        {"provider": "openai", "api_key": key("openai")},
        content_type="application/json",
        headers={"X-CSRFToken": "unused"},
    )

    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert not ProviderConfig.objects.filter(provider="openai").exists()
