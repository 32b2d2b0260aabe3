"""Fixtures shared by the whole suite: users per role, the seed brief, and the test database."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from cooperation.demo import cenjows_2024 as demo
from cooperation.importers.demo import DEMO_DIR
from cooperation.services import source_import
from tests.factories import (
    AdminFactory,
    AnalystFactory,
    CuratorFactory,
    PartnerFactory,
)

# Pure functions get many examples; examples that write to the database get fewer.
# No deadline: a database round trip's timing is not what these tests are about.
settings.register_profile("contours", max_examples=200, deadline=None)
settings.load_profile("contours")
DB_EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    # Each example runs inside its own savepoint that is rolled back (tests.utils.rolled_back),
    # so sharing the function-scoped `db` fixture between examples is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """After every test that used the database, no record's spine row may disagree with it,
    and no record holds a fact that no claim backs.

    The spine's copies (cooperation/models/spine.py) are written by Record.save() and by
    the record managers' bulk_create only; a fact's claim (cooperation/services/claims.py)
    by the record services. This catches any other write path the moment a test takes it.
    A test that writes a fact past the services on purpose (raw SQL in a fault test) says
    so with `@pytest.mark.unbacked_facts`.
    """
    outcome = yield
    uses_db = item.get_closest_marker("django_db") or _DB_FIXTURES & set(
        getattr(item, "fixturenames", ())
    )
    if outcome.excinfo is not None or not uses_db:
        return
    from django.db import Error

    from cooperation.models.spine import spine_drift

    try:
        drift = spine_drift()
    except Error:
        return  # the test left its connection unusable on purpose (fault tests)
    if drift:
        outcome.force_exception(
            AssertionError(f"records whose spine row disagrees with them: {drift[:10]}")
        )
        return
    if item.get_closest_marker("unbacked_facts"):
        return
    from cooperation.claims_read import unbacked_facts

    try:
        unbacked = unbacked_facts()
    except Error:
        return
    if unbacked:
        outcome.force_exception(
            AssertionError(f"facts no claim backs (kind, id, field): {unbacked[:10]}")
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, put the test database in a file instead of memory.

    Tests that run `manage.py` in a subprocess (tests/cooperation/test_import_source.py)
    need to reach the test database; an in-memory SQLite database lives only in this
    process. PostgreSQL's test database is reachable already (test_<name>).
    """
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database["TEST"].get("NAME"):
        database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "contours-test.sqlite3")


@pytest.fixture
def fresh_statements():
    """No statement kept by an earlier test (portal/statements.py), nor by this one after:
    for tests that count how often a kept statement is built."""
    from portal import statements

    statements.clear()
    yield
    statements.clear()


@pytest.fixture
def analyst(db):
    return AnalystFactory(full_name="Aiko Analyst")


@pytest.fixture
def other_analyst(db):
    return AnalystFactory(full_name="Otto Other")


@pytest.fixture
def curator(db):
    return CuratorFactory(full_name="Chandra Curator")


@pytest.fixture
def admin(db):
    return AdminFactory(full_name="Ada Admin")


@pytest.fixture
def partner(db):
    return PartnerFactory(full_name="Priya Partner")


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return (DEMO_DIR / demo.SOURCE["filename"]).read_bytes()


@pytest.fixture(scope="session")
def seed_text(seed_bytes) -> str:
    return seed_bytes.decode("utf-8")


@pytest.fixture
def seed_source(db, seed_bytes):
    """The demo brief imported as a source (running headers recognised), without its records."""
    return source_import(
        data=seed_bytes,
        filename=demo.SOURCE["filename"],
        user=None,
        title=demo.SOURCE["title"],
        reference_code=demo.SOURCE["reference_code"],
        keep_original=False,
    )
