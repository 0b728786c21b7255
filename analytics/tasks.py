"""Background analytics work: thin wrappers over services, ids only."""

from celery import shared_task

from analytics import services


@shared_task(ignore_result=True, soft_time_limit=180, time_limit=210)
def summarise_dataset(dataset_id: int) -> None:
    """Write the AI summary of a freshly uploaded dataset."""
    services.dataset_summary_generate(dataset_id)


@shared_task(ignore_result=True, time_limit=60)
def sweep_dataset_summaries() -> None:
    """Fail summaries that outlived their deadline."""
    services.dataset_summaries_expire()
