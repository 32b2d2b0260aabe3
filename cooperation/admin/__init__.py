"""The curators' admin. Importing this package registers every model admin."""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from . import annotations, claims, records, saved_views, sources, taxonomy, tracking

# django-tasks-db registers its queue in the admin. The queue belongs to the worker: a row
# changed or deleted there would corrupt a queued job, and it keeps no history. People
# follow their jobs on the jobs' own pages (cooperation/views/jobs.py); operators prune
# the queue with `manage.py prune_db_task_results` (docs/operations.md).
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)

__all__ = ["annotations", "claims", "records", "saved_views", "sources", "taxonomy", "tracking"]
