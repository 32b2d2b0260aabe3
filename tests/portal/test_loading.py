"""Rows read from the database become the same instances on portal/loading.py's short path
as on Django's own, and whatever it cannot vouch for takes Django's path."""

from __future__ import annotations

from unittest import mock

import pytest
from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_init

from accounts.models import User
from cooperation.models import Recommendation, Source
from portal.loading import FastLoad, _attnames
from tests.factories import AnalystFactory, RecommendationFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _django_built(instance):
    """The same row as Django's Model.from_db builds it."""
    model = type(instance)
    names = [f.attname for f in model._meta.concrete_fields]
    return Model.from_db.__func__(
        model, instance._state.db, names, [instance.__dict__[n] for n in names]
    )


def _fields(instance) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_every_model_on_the_short_path_loads_as_django_loads_it():
    owner = AnalystFactory(full_name="Ayesha Rao")
    RecommendationFactory(title="Joint exercises", owner=owner)

    loaded = Recommendation.objects.select_related("owner").get(title="Joint exercises")

    assert _attnames(Recommendation) is not None and _attnames(User) is not None
    assert _fields(loaded) == _fields(_django_built(loaded))
    # Each value under its own field, as the database holds them.
    names = [f.attname for f in Recommendation._meta.concrete_fields]
    stored = Recommendation.objects.values_list(*names).get(pk=loaded.pk)
    assert [getattr(loaded, name) for name in names] == list(stored)
    assert (loaded._state.adding, loaded._state.db) == (False, "default")
    assert loaded.owner == owner and loaded.owner.full_name == "Ayesha Rao"
    # A changed foreign key id is still seen by the relation, as on Django's path.
    loaded.owner_id = AnalystFactory().pk
    assert loaded.owner != owner
    # Read again from the database: the short path builds what it finds there.
    loaded.refresh_from_db()
    assert loaded.owner == owner


def test_every_fast_model_that_can_take_the_short_path_builds_instances_equal_to_djangos():
    fast = [m for m in apps.get_models() if issubclass(m, FastLoad)]
    assert Recommendation in fast and User in fast
    for model in fast:
        names = _attnames(model)
        if names is None:
            continue
        values = [f.get_default() for f in model._meta.concrete_fields]
        attnames = [f.attname for f in model._meta.concrete_fields]
        ours = model.from_db("default", attnames, values)
        django = Model.from_db.__func__(model, "default", attnames, values)
        assert type(ours) is model
        assert _fields(ours) == _fields(django), model
        assert not ours._state.adding and ours._state.db == "default"


def test_deferred_columns_load_as_django_loads_them():
    RecommendationFactory(title="Port calls", summary="Long summary")

    loaded = Recommendation.objects.only("title").get(title="Port calls")
    read = [f.attname for f in Recommendation._meta.concrete_fields if f.attname in vars(loaded)]
    django = Model.from_db.__func__(
        Recommendation, "default", read, [vars(loaded)[name] for name in read]
    )

    assert _fields(loaded) == _fields(django)
    assert loaded.get_deferred_fields() == django.get_deferred_fields() >= {"summary"}
    assert loaded.summary == "Long summary"  # loaded when read, as Django does
    # What the partner list reads: every column but the search ones.
    from cooperation.api.views import search_columns

    columns = search_columns(Recommendation)
    # Django's path builds the instance through Model.__init__; the short path never does.
    with mock.patch.object(Model, "__init__", side_effect=AssertionError("Django's path")):
        listed = Recommendation.objects.defer(*columns).get(title="Port calls")
    assert columns and listed.get_deferred_fields() == set(columns)
    # Each value read under its own field, as the database holds them.
    names = [f.attname for f in Recommendation._meta.concrete_fields if f.attname not in columns]
    stored = Recommendation.objects.values_list(*names).get(pk=listed.pk)
    assert [vars(listed)[name] for name in names] == list(stored)
    assert listed.title == "Port calls" and listed._state.adding is False


def test_deferred_columns_with_names_it_cannot_place_take_djangos_path():
    built = Recommendation.from_db("default", ("title", "no_such_field"), ("A", "B"))
    assert built.title == "A" and "no_such_field" not in vars(built)


def test_a_post_init_receiver_is_still_called_for_every_row():
    RecommendationFactory(title="Shipbuilding")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.title)

    post_init.connect(receiver, sender=Recommendation)
    try:
        loaded = Recommendation.objects.get(title="Shipbuilding")
    finally:
        post_init.disconnect(receiver, sender=Recommendation)

    assert seen == ["Shipbuilding"] and loaded.title == "Shipbuilding"


def test_a_field_with_a_descriptor_of_its_own_takes_djangos_path():
    # A source's original file is a FileField: its descriptor wraps what is stored.
    assert _attnames(Source) is None
    SourceFactory(title="Tokyo declaration")

    loaded = Source.objects.get(title="Tokyo declaration")

    assert not loaded.original_file  # a FieldFile, as Django builds it
    assert type(loaded.original_file).__name__ == "FieldFile"
