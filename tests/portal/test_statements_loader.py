"""A kept statement's rows become the instances Django's own ModelIterable would make.

portal/statements._Loader does ModelIterable's work with its per-run set-up done once; each
queryset here is read both ways and the instances compared field by field, with what
select_related cached on them, their annotations and their deferred fields.
"""

from __future__ import annotations

import pytest
from django.db.models import FETCH_PEERS, Count, F, Value
from django.db.models.functions import Concat

from accounts.models import ApiToken
from accounts.services import _tokens_by_prefix
from cooperation.models import Recommendation
from portal import statements
from tests.api.conftest import make_token
from tests.factories import ActorFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

_PREFIX = "contours-test-placeholder:prefix"


def _fields(obj) -> dict:
    # A prefetch's querysets do not compare equal: the test compares what they hold.
    skip = {"_state", "_prefetched_objects_cache"}
    return {name: value for name, value in vars(obj).items() if name not in skip}


def _same(made, expected, *, depth: int = 0) -> None:
    assert [type(obj) for obj in made] == [type(obj) for obj in expected]
    for one, other in zip(made, expected, strict=True):
        assert _fields(one) == _fields(other)
        assert one.get_deferred_fields() == other.get_deferred_fields()
        assert one._state.db == other._state.db and one._state.adding is other._state.adding
        assert one._state.fetch_mode == other._state.fetch_mode
        assert set(one._state.fields_cache) == set(other._state.fields_cache)
        if depth:  # a joined row caches its way back to the record: compared from there
            continue
        for name, related in other._state.fields_cache.items():
            if related is None:
                assert one._state.fields_cache[name] is None
            else:
                _same([one._state.fields_cache[name]], [related], depth=depth + 1)
                back = related._state.fields_cache
                assert {k: v is other for k, v in back.items()} == {
                    k: v is one
                    for k, v in one._state.fields_cache[name]._state.fields_cache.items()
                }


def _both_ways(build, value, placeholder=_PREFIX, name="prefix"):
    statement = statements.Frozen(build(placeholder), {name: placeholder})
    return statement, statement.rows(**{name: value}), list(build(value))


def test_a_token_with_its_user_and_roles(partner):
    token = make_token(partner)
    prefix = token.split("_")[1]
    statement, made, expected = _both_ways(_tokens_by_prefix, prefix)
    assert statement.loader is not None
    assert len(made) == 1
    _same(made, expected)
    assert made[0].user.email == partner.email
    assert made[0].role_groups == expected[0].role_groups


def test_records_joined_deferred_and_annotated(curator):
    owned = RecommendationFactory(owner=curator)
    RecommendationFactory(owner=None)
    RecommendationFactory()

    def build(after):
        return (
            Recommendation.objects.select_related("owner", "spine")
            .defer("summary")
            .annotate(label=Concat(F("title"), Value("-x")), actor_count=Count("actors"))
            .filter(pk__gt=after)
            .order_by("pk")
        )

    statement, made, expected = _both_ways(build, 0, statements.PK, "after")
    assert statement.loader is not None
    assert len(made) == 3
    _same(made, expected)
    assert [obj.label for obj in made] == [f"{obj.title}-x" for obj in expected]
    assert {obj.pk: obj.owner for obj in made}[owned.pk] == curator
    assert any(obj.owner is None for obj in made)  # a null foreign key: nothing cached


def test_peers_are_tracked_as_the_queryset_asks(curator):
    RecommendationFactory.create_batch(3, owner=curator)

    def build(after):
        return (
            Recommendation.objects.fetch_mode(FETCH_PEERS)
            .annotate(label=Value("y"))
            .filter(pk__gt=after)
            .order_by("pk")
        )

    statement, made, expected = _both_ways(build, 0, statements.PK, "after")
    assert statement.loader is not None
    _same(made, expected)
    assert [len(obj._state.peers) for obj in made] == [len(o._state.peers) for o in expected]
    assert made[0]._state.peers is made[-1]._state.peers


@pytest.mark.parametrize(
    "shape",
    [
        lambda qs: qs.prefetch_related("actors"),
        lambda qs: qs.values("pk", "title"),
        lambda qs: qs.values_list("pk", flat=True),
    ],
    ids=["prefetch", "values", "values_list"],
)
def test_what_the_loader_does_not_cover_goes_djangos_way(shape):
    ActorFactory()
    RecommendationFactory.create_batch(2)

    def build(after):
        return shape(Recommendation.objects.filter(pk__gt=after).order_by("pk"))

    statement, made, expected = _both_ways(build, 0, statements.PK, "after")
    assert statement.loader is None
    if isinstance(expected[0], Recommendation):
        _same(made, expected)
        assert [[a.pk for a in obj._prefetched_objects_cache["actors"]] for obj in made] == [
            [a.pk for a in obj._prefetched_objects_cache["actors"]] for obj in expected
        ]
    else:
        assert made == expected


def test_the_kept_token_statement_uses_the_loader(partner):
    from accounts.services import api_token_find

    statements.clear()
    try:
        token = make_token(partner)
        assert api_token_find(token).user == partner
        kept = [s for s in statements._cache.values() if isinstance(s, statements.Frozen)]
        assert kept and all(s.loader is not None for s in kept)
        assert ApiToken.objects.count() == 1
    finally:
        statements.clear()


def test_an_extra_select_is_cut_as_django_cuts_it(curator):
    """distinct() with an order on a column it does not select adds that column to the
    SELECT (has_extra_select); the instances are made from the selected columns only."""
    RecommendationFactory.create_batch(3, owner=curator)

    def build(after):
        return (
            Recommendation.objects.filter(pk__gt=after)
            .only("pk", "title")
            .order_by("-summary", "pk")
            .distinct()
        )

    statement, made, expected = _both_ways(build, 0, statements.PK, "after")
    assert statement.loader is not None and statement.compiler.has_extra_select
    _same(made, expected)


@pytest.mark.django_db(transaction=True)
def test_a_statement_kept_in_one_thread_reads_alike_in_another(curator):
    """Each thread has its own connection: the converters are that connection's."""
    import threading

    from django.db import connections

    RecommendationFactory.create_batch(2, owner=curator)

    def build(after):
        return Recommendation.objects.select_related("owner").filter(pk__gt=after).order_by("pk")

    statement, made, expected = _both_ways(build, 0, statements.PK, "after")
    _same(made, expected)
    elsewhere = {}

    def read():
        try:
            elsewhere["rows"] = statement.rows(after=0)
            elsewhere["connection"] = connections["default"]
        finally:
            connections["default"].close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    _same(elsewhere["rows"], expected)
    assert elsewhere["connection"] is not connections["default"]
    assert elsewhere["connection"] in statement.loader._converters


# What the loader repeats of Django's own code, by the source it was written against: a
# Django upgrade that changes any of them fails here, for someone to read the new source
# and bring _Loader in line (then record the new fingerprints).
DJANGO_SOURCES = {
    "ModelIterable.__iter__": "ecb74201bf2b1945",
    "SQLCompiler.results_iter": "d279d61b80a3a115",
    "SQLCompiler.apply_converters": "c034ce3e5090aa2e",
    "RelatedPopulator.populate": "18ad7db51aeccf14",
}


def _fingerprint(name: str) -> str:
    import hashlib
    import inspect

    from django.db.models import query
    from django.db.models.sql import compiler

    owner, attribute = name.split(".")
    module = compiler if owner == "SQLCompiler" else query
    source = inspect.getsource(getattr(getattr(module, owner), attribute))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(DJANGO_SOURCES))
def test_the_django_code_the_loader_repeats_is_the_code_it_was_written_against(name):
    assert _fingerprint(name) == DJANGO_SOURCES[name], (
        f"Django's {name} changed: compare it with portal/statements._Loader"
    )
