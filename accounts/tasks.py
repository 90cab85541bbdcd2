"""Celery tasks of the accounts app: they take ids and call a service."""

from celery import shared_task

from accounts import services


@shared_task(bind=True, soft_time_limit=900, time_limit=960, acks_late=True)
def csv_import_run(self, import_id: int) -> str:
    """Run one queued CSV import. Not retried on its own: the run is one transaction, and a
    redelivered task finds the import already claimed and does nothing."""
    return services.csv_import_run(import_id=import_id)
