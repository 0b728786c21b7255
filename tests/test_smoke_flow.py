import pytest

from aiprovider.models import KeyTest
from aiprovider.services import key_test_request


@pytest.mark.django_db(transaction=True)
def test_key_test_runs_on_a_real_worker(account, owner, key, celery_worker, wait_for):
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider="openai",
        api_key=key("openai"),
    )

    finished = wait_for(
        lambda: KeyTest.objects.filter(pk=test.pk, status="succeeded").first()
    )

    assert finished.result == "valid"
    assert finished.candidate_ciphertext == ""
