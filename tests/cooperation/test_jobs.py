"""Large imports run in the task worker, with a progress page, and can be retried.

The worker is the real one: `manage.py db_worker --batch` (django-tasks-db) in its own
process against the test database, as docker-compose's `worker` runs it. Transactional
tests: the job, its task and its staged file are committed, as in production.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from cooperation.models import Job, Source
from cooperation.services.job_runs import job_start
from cooperation.services.jobs import import_job_create, job_retry
from tests.factories import AnalystFactory
from tests.utils import clean_env, run_python, subprocess_database_url

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_URL = "/sources/import/"
BRIEF = b"A long brief.\n\nIndia and Japan agree to cooperate.\n" + b"More text.\n" * 200


@pytest.fixture(autouse=True)
def _queue_everything(settings):
    settings.CONTOURS_INLINE_IMPORT_BYTES = 100  # every test upload is "large"


def _run_worker(tmp_path) -> None:
    # portal.settings (not the test settings, whose media root is a new temporary
    # directory per process), pointed at this process's database and media.
    env = clean_env(
        tmp_path,
        DATABASE_URL=subprocess_database_url(),
        DJANGO_SECRET_KEY="jobs-test",
        DJANGO_MEDIA_ROOT=str(django_settings.MEDIA_ROOT),
    )
    result = run_python(["manage.py", "db_worker", "--batch", "--no-startup-delay"], env)
    assert result.returncode == 0, result.stderr


def _upload(client, name="brief.txt", data=BRIEF, **fields):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data), **fields})


def test_a_large_upload_returns_at_once_and_the_worker_imports_it(client, tmp_path):
    analyst = AnalystFactory()
    client.force_login(analyst)

    response = _upload(client, title="Queued brief", published_on="2024-11-21")

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.state, job.owner, job.kind) == (Job.State.QUEUED, analyst, Job.Kind.IMPORT_SOURCE)
    assert not Source.objects.exists()  # nothing imported inside the request
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"
    upload = job.upload.name
    assert default_storage.exists(upload)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for the worker" in page and "data-job-refresh-seconds" in page
    assert 'http-equiv="refresh"' not in page  # a reload under the reader's cursor

    _run_worker(tmp_path)

    job.refresh_from_db()
    source = Source.objects.get()
    assert (job.state, job.progress, job.source) == (Job.State.SUCCEEDED, 100, source)
    assert (source.title, str(source.published_on), source.created_by) == (
        "Queued brief",
        "2024-11-21",
        analyst,
    )
    assert source.text == BRIEF.decode()
    # The upload lives on as the source's original; the job's copy is gone.
    assert not job.upload and not default_storage.exists(upload)
    assert default_storage.exists(source.original_file.name)
    page = client.get(job.get_absolute_url()).content.decode()
    assert source.get_absolute_url() in page and "data-job-refresh-seconds" not in page
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_a_refused_file_fails_the_job_with_the_reason_and_imports_nothing(client, tmp_path):
    client.force_login(AnalystFactory())

    _upload(client, name="binary.txt", data=b"abc\x00def" * 100)
    _run_worker(tmp_path)

    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    assert "binary" in job.message
    assert not Source.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Failed" in page and "binary" in page


def test_a_failed_job_is_retried_by_its_owner_only_and_then_succeeds(client, tmp_path):
    owner, other = AnalystFactory(), AnalystFactory()
    # The same text is already a source: the first attempt is refused as a duplicate.
    duplicate = import_job_create(user=owner, data=BRIEF, filename="a.txt", metadata={})
    _run_worker(tmp_path)
    job = import_job_create(user=owner, data=BRIEF, filename="b.txt", metadata={})
    _run_worker(tmp_path)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "already imported" in job.message

    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 404
    # Succeeded jobs can't be retried.
    with pytest.raises(ValidationError, match="only a failed job"):
        job_retry(user=owner, job=Job.objects.get(pk=duplicate.pk))

    Source.all_objects.all().delete()  # the duplicate is gone: a retry can now pass
    client.force_login(owner)
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.QUEUED, 2)
    _run_worker(tmp_path)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert Source.objects.get().title


def test_partners_and_anonymous_never_reach_a_job(client, partner):
    job = import_job_create(user=AnalystFactory(), data=BRIEF, filename="a.txt", metadata={})
    assert client.get(job.get_absolute_url()).status_code == 302  # to the login page
    client.force_login(partner)
    assert client.get(job.get_absolute_url()).status_code == 403
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 403


def test_a_job_whose_worker_died_can_be_retried_once_it_is_stalled(client, settings, tmp_path):
    owner = AnalystFactory()
    job = import_job_create(user=owner, data=BRIEF, filename="a.txt", metadata={})
    job_start(job.pk)  # the worker took it ... and was killed
    job.refresh_from_db()
    with pytest.raises(ValidationError, match="only a failed job"):
        job_retry(user=owner, job=job)

    settings.CONTOURS_JOB_STALL_MINUTES = 0
    client.force_login(owner)
    assert "stopped answering" in client.get(job.get_absolute_url()).content.decode()
    job_retry(user=owner, job=job)
    _run_worker(tmp_path)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.SUCCEEDED, 2)
