"""Periodic account housekeeping."""

from celery import shared_task

from accounts.services import api_tokens_prune_expired


@shared_task(ignore_result=True, time_limit=120)
def prune_expired_api_tokens() -> None:
    """Delete API tokens past their expiry."""
    api_tokens_prune_expired()
