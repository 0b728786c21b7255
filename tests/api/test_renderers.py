"""The API speaks JSON only: no browsable pages, no forms that echo a key."""

import pytest
from django.test import Client
from django.urls import reverse

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", ["text/html", BROWSER_ACCEPT])
def test_a_browser_never_gets_an_html_page(
    accept, owner, api_for, ai_provider_url, key
):
    api_key = key("anthropic")
    client = api_for(owner)
    client.put(
        ai_provider_url, {"provider": "anthropic", "api_key": api_key}, format="json"
    )

    response = client.get(ai_provider_url, headers={"Accept": accept})

    assert response["Content-Type"].startswith("application/json")
    text = response.content.decode()
    assert "<form" not in text and "<html" not in text
    assert api_key not in text


def test_a_rejected_put_from_a_browser_is_json_without_the_key(
    owner, api_for, ai_provider_url, key
):
    api_key = key("openai")

    response = api_for(owner).put(
        ai_provider_url,
        {"provider": "anthropic", "api_key": api_key},
        format="json",
        headers={"Accept": "text/html"},
    )

    assert response["Content-Type"].startswith("application/json")
    assert response.status_code in (400, 406)
    assert api_key not in response.content.decode()
    assert "<form" not in response.content.decode()


@pytest.mark.parametrize("fmt", ["api", "html", "admin"])
def test_asking_for_the_browsable_format_gets_a_json_404(
    fmt, owner, api_for, ai_provider_url
):
    response = api_for(owner).get(ai_provider_url, {"format": fmt})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_an_anonymous_browser_gets_json_not_a_login_form(db):
    response = Client().get(reverse("api-accounts"), headers={"Accept": BROWSER_ACCEPT})

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
