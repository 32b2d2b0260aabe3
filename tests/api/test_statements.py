"""The API's hot reads compiled once (portal/statements.py) answer as the ordinary path does.

The partner list's first page, a record's detail and the token lookup are compiled once
per process and kind of reader; what they answer must be byte for byte what building and
compiling the queryset on every request answers, on SQLite and on PostgreSQL, and a
request that finds its statement compiled compiles nothing.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from cooperation.models import Recommendation
from cooperation.synthetic.generator import synthetic_data_generate
from portal import statements
from tests.api.conftest import RECORDS, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, seed_source):
    synthetic_data_generate(records=40, seed=5)
    statements.clear()
    yield
    statements.clear()


def _same_page(one, other) -> bool:
    """Equal bytes, but for the next cursor's walk horizon (the moment each page was read)."""

    def masked(response):
        return re.sub(rb"cursor=[^&\"]*", b"cursor=~", response.content)

    return masked(one) == masked(other) and bool(one.json()["next"]) == bool(other.json()["next"])


def _uncompiled(client, path):
    """The answer when no statement is kept: every request builds and compiles its queryset."""
    with mock.patch.object(statements, "frozen", return_value=None):
        return client.get(path)


@pytest.mark.parametrize("resource", RECORDS)
@pytest.mark.parametrize("role", ["partner", "curator"])
def test_the_first_page_and_the_detail_are_the_ordinary_paths(world, resource, role, request):
    client = client_for(request.getfixturevalue(role))
    path = f"/api/v1/{resource}/?page_size=3"
    expected = _uncompiled(client, path)
    for _ in range(2):  # compiled, then reused
        listed = client.get(path)
        assert listed.status_code == 200
        assert _same_page(listed, expected)
    # Every later page (a cursor made from the kept statements' order keys), to the end:
    # the kept statement with the cursor's values put in answers what compiling does.
    following = listed
    while following.json()["next"]:
        after = following.json()["next"]
        expected = _uncompiled(client, after)
        for _ in range(2):  # compiled, then reused
            following = client.get(after)
            assert following.status_code == 200
            assert _same_page(following, expected)
    for row in listed.json()["results"][:3]:
        detail_path = f"/api/v1/{resource}/{row['id']}/"
        expected = _uncompiled(client, detail_path)
        for _ in range(2):
            detail = client.get(detail_path)
            assert detail.status_code == 200
            assert detail.content == expected.content
            assert detail["ETag"] == expected["ETag"]
            assert detail["Last-Modified"] == expected["Last-Modified"]


def test_a_partner_and_a_curator_do_not_share_a_statement(world, partner, curator):
    draft = Recommendation.objects.exclude(visibility="published").first()
    staff, outside = client_for(curator), client_for(partner)
    assert staff.get(f"/api/v1/recommendations/{draft.pk}/").status_code == 200
    assert outside.get(f"/api/v1/recommendations/{draft.pk}/").status_code == 404
    assert staff.get(f"/api/v1/recommendations/{draft.pk}/").status_code == 200
    listed = [
        row["id"] for row in outside.get("/api/v1/recommendations/?page_size=200").json()["results"]
    ]
    assert listed
    assert not Recommendation.objects.filter(pk__in=listed).exclude(visibility="published").exists()


def test_a_missing_record_is_404(world, partner):
    client = client_for(partner)
    assert client.get("/api/v1/recommendations/999999999/").status_code == 404
    assert client.get("/api/v1/recommendations/999999999999999999/").status_code == 404


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="on SQLite the links come from one more query per kind, compiled each time",
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/recommendations/?page_size=50",
        "/api/v1/recommendations/{pk}/",
        "/api/v1/recommendations/?page_size=2&cursor={cursor}",
    ],
)
def test_a_kept_statement_is_not_compiled_again(world, partner, path):
    client = client_for(partner)
    pk = Recommendation.objects.filter(visibility="published").first().pk
    following = client.get("/api/v1/recommendations/?page_size=2").json()["next"]
    path = path.format(pk=pk, cursor=following.split("cursor=")[1])
    assert client.get(path).status_code == 200
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")):
        assert client.get(path).status_code == 200


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement: PostgreSQL's json_agg"
)
@pytest.mark.parametrize(
    "path", ["/api/v1/recommendations/?page_size=50", "/api/v1/recommendations/{pk}/"]
)
def test_a_partner_read_is_the_token_statement_and_one_more(
    world, partner, path, django_assert_num_queries
):
    client = client_for(partner)
    pk = Recommendation.objects.filter(visibility="published").first().pk
    path = path.format(pk=pk)
    client.get(path)
    # The records' claims (provenance, claims) ride in the page's statement (a JSON column,
    # api/provenance.claims_json_sql), as their links and evidence do.
    with django_assert_num_queries(2):
        assert client.get(path).status_code == 200


@pytest.fixture
def binding(monkeypatch):
    """Server-side binding as the deployment may switch it on (DATABASE_SERVER_SIDE_BINDING):
    only then does PostgreSQL keep plans for statements with parameters."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    monkeypatch.setitem(options, "server_side_binding", True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement: PostgreSQL's json_agg"
)
@pytest.mark.parametrize("bound", [False, True])
def test_a_later_page_is_the_token_and_the_page_which_says_when_the_list_last_changed(
    world, partner, request, bound
):
    """A later page in an order an edit can change (the title) learns, in its own statement,
    when a row of the list last changed; with nothing changed since its walk began, that
    is all it sends, between the settings that give it a generic plan when its values
    travel as parameters."""
    if bound:
        request.getfixturevalue("binding")
    client = client_for(partner)
    following = client.get("/api/v1/recommendations/?page_size=2").json()["next"]
    client.get(following)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(following).status_code == 200
    sent = [query["sql"] for query in captured.captured_queries]
    settings = ["SET plan_cache_mode = force_generic_plan", "RESET plan_cache_mode"]
    assert [sql for sql in sent if sql in settings] == (settings if bound else [])
    if bound:
        assert sent[1::2] == settings, sent  # around the page's statement
    page = [sql for sql in sent if sql not in settings]
    assert len(page) == 2, sent
    assert 'ORDER BY U0."updated_at" DESC LIMIT 1' in page[1] or "DESC LIMIT 1)" in page[1]
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan_cache_mode")
def test_a_failed_page_leaves_no_generic_plan_setting_behind(world, partner, binding, monkeypatch):
    """The plan setting is put back when reading the page fails, on the same session."""
    from django.db.models.query import ModelIterable

    class PageFailed(Exception):
        pass

    client = client_for(partner)
    following = client.get("/api/v1/recommendations/?page_size=2").json()["next"]

    reading = ModelIterable.__iter__
    loading = statements._Loader.load

    def failing(self):  # the page's rows only: the token is still read
        if self.queryset.model is Recommendation:
            raise PageFailed
        yield from reading(self)

    def failing_load(self, found, connection):  # a kept statement's rows, made instances
        if self.klass_info["model"] is Recommendation:
            raise PageFailed
        return loading(self, found, connection)

    with CaptureQueriesContext(connection) as captured, monkeypatch.context() as patch:
        patch.setattr(ModelIterable, "__iter__", failing)
        patch.setattr(statements._Loader, "load", failing_load)
        assert client.get(following).status_code == 500  # the API's problem+json, no trace
    # Set, the page's statement if it was sent before it failed, and put back.
    sent = [q["sql"] for q in captured]
    assert sent[-1] == "RESET plan_cache_mode"
    assert "SET plan_cache_mode = force_generic_plan" in sent[-3:-1]
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)

    with statements._generic_plans(connection), connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)


def test_a_placeholder_the_statement_does_not_carry_is_refused(db):
    with pytest.raises(statements._PlaceholderNotFound):
        statements.Frozen(ApiToken.objects.filter(prefix="x"), {"prefix": "y"})


def test_an_empty_queryset_is_not_kept_and_not_built_again(db):
    built = []

    def build():
        built.append(1)
        return ApiToken.objects.none()

    assert statements.frozen(("test-empty",), build, {}) is None
    assert statements.frozen(("test-empty",), build, {}) is None
    assert built == [1]


_PREFIX = "contours-test-placeholder:prefix"


def test_past_the_limit_the_statement_used_longest_ago_goes(db, monkeypatch):
    """A client trying every page size fills the cache; the statements every request reads
    (the token's) stay kept while the ones used longest ago are let go."""
    monkeypatch.setattr(statements, "_LIMIT", 3)
    monkeypatch.setattr(statements, "_cache", type(statements._cache)())
    built = []

    def build(name):
        def make():
            built.append(name)
            return ApiToken.objects.filter(prefix=_PREFIX)

        return make

    def use(name):
        kept = statements.frozen((name,), build(name), {"prefix": _PREFIX})
        assert kept is not None

    for name in ("token", "size-1", "token", "size-2", "token", "size-3", "token", "size-4"):
        use(name)
    assert built == ["token", "size-1", "size-2", "size-3", "size-4"]
    assert list(statements._cache) == [("size-3",), ("token",), ("size-4",)]
    use("size-1")  # let go: built again
    assert built[-1] == "size-1"


def test_a_placeholder_the_database_adapts_is_not_kept(db):
    """SQLite stores a datetime as text: its stand-in never reaches the parameters as given,
    so the statement is not kept (the caller takes its ordinary path)."""
    from datetime import UTC, datetime

    standin = datetime(1901, 2, 3, tzinfo=UTC)
    kept = statements.frozen(
        ("test-adapted",),
        lambda: ApiToken.objects.filter(created_at__lt=standin),
        {"moment": standin},
    )
    assert (kept is None) == (connection.vendor == "sqlite")


@pytest.mark.parametrize(
    "cursor",
    ["", "forged", "eyJ2IjpbMSwyXX0:1tampered:sig"],
)
def test_a_later_page_with_a_bad_cursor_is_a_400_or_the_first_page(world, partner, cursor):
    client = client_for(partner)
    answer = client.get(f"/api/v1/recommendations/?page_size=3&cursor={cursor}")
    if cursor:
        assert answer.status_code == 400
        assert "cursor" in answer.json()["errors"] or "cursor" in str(answer.json())
    else:
        assert answer.status_code == 200


def _statements_run(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    # The record statements (a token's first use of the minute also stamps it: not these).
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and '"cooperation_' in query["sql"]
    ]


@pytest.mark.parametrize("resource", RECORDS)
@pytest.mark.parametrize(
    ("first", "second"),
    [("partner", "other_org_partner"), ("partner", "partner_writer"), ("analyst", "curator")],
)
def test_a_kept_statement_holds_nothing_of_the_reader_it_was_compiled_for(
    world, resource, first, second, request
):
    """Readers who share a statement's key (the same kind of reader) run exactly the SQL
    their own queryset compiles to: no organisation, user or token of the first reader is
    frozen into what the second is served."""
    from tests.factories import PartnerFactory

    users = {
        "other_org_partner": lambda: PartnerFactory(full_name="Olga Other"),
        "partner_writer": lambda: request.getfixturevalue("partner_writer"),
    }
    one = request.getfixturevalue(first)
    two = users[second]() if second in users else request.getfixturevalue(second)
    if second == "other_org_partner":
        assert two.organisation_id != one.organisation_id
    pk = Recommendation.objects.values_list("pk", flat=True).first()
    model_pk = client_for(one).get(f"/api/v1/{resource}/?page_size=1").json()["results"]
    if not model_pk:
        pytest.skip("no row this reader may read")
    paths = [f"/api/v1/{resource}/?page_size=3", f"/api/v1/{resource}/{model_pk[0]['id']}/"]
    following = client_for(one).get(paths[0]).json()["next"]
    if following and client_for(two).get(following).status_code == 200:
        paths.append(following.replace("http://testserver", ""))
    for path in paths:
        statements.clear()
        second_client = client_for(two, write=second == "partner_writer")
        second_client.get(path)  # compiled for the second reader itself
        own = _statements_run(second_client, path)
        statements.clear()
        client_for(one).get(path)  # compiled for the first reader, and kept
        served = _statements_run(second_client, path)
        if served != own:  # name the first statement that differs, and how
            import difflib

            for a, b in zip(own, served, strict=False):
                if a != b:
                    diff = [
                        line
                        for line in difflib.ndiff(a.split(", "), b.split(", "))
                        if line[:1] in "+-"
                    ]
                    raise AssertionError(f"{path}: {diff[:12]}")
        assert served == own, path
    assert pk is not None
