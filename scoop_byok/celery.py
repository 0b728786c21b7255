"""The Celery application: ``celery -A scoop_byok worker`` starts a worker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoop_byok.settings")

app = Celery("scoop_byok")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
