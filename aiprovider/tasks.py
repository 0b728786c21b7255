"""Background work for AI providers: thin wrappers over services.

Tasks receive ids only, never key material; the services load everything
else from the database when the task runs.
"""

from celery import shared_task

from aiprovider import health, services


@shared_task(
    ignore_result=True,
    acks_late=False,
    soft_time_limit=120,
    time_limit=150,
)
def run_key_test(test_id: str) -> None:
    """Run one queued key test."""
    services.key_test_execute(test_id)


@shared_task(ignore_result=True, time_limit=60)
def sweep_key_tests() -> None:
    """Fail overdue key tests and erase candidate keys left behind."""
    services.key_tests_expire()


@shared_task(ignore_result=True, time_limit=60)
def send_breaker_email(config_id: int) -> None:
    """Tell the account's owners and admins that calls with its key stopped."""
    health.breaker_email_send(config_id)
