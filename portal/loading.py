"""Model instances read from the database, built without Model.__init__'s general path.

A list page builds about a hundred instances (fifty records and their owners), and
Model.__init__ spends most of its time on what only applies to instances made in code:
the pre_init/post_init signals, keyword arguments, defaults for missing fields and a
setattr per field. A row from the database has a value for every concrete field it
read, in order, so `from_db` can put them in the instance's __dict__ at once, which is
what those setattrs end up doing (a deferred column is left out of it, as
Model.__init__ leaves it).
Whatever this cannot vouch for takes Django's own path: a signal receiver for the class,
or a field whose attribute has a descriptor
that could do more than store the value (a file's), a generated field, or an __init__ or
__setattr__ of the model's own. Every tracked model (cooperation/models/base.Tracked) and
the user take this path.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init


@cache
def _attname_set(cls) -> frozenset[str]:
    return frozenset(_attnames(cls) or ())


@cache
def _attnames(cls) -> tuple[str, ...] | None:
    """The concrete fields' attribute names, or None when one could not just be stored."""
    if cls.__init__ is not Model.__init__ or cls.__setattr__ is not Model.__setattr__:
        return None  # an __init__ or __setattr__ of its own (change tracking, say) must run
    names = []
    for field in cls._meta.concrete_fields:
        if field.column is None or getattr(field, "generated", False):
            return None
        descriptor = getattr(cls, field.attname, None)
        # Django's DeferredAttribute only reads __dict__ (or loads a deferred value), and
        # a foreign key's id only forgets a cached target, which a new instance has not;
        # anything else with __set__ (a file's, a custom descriptor) expects to be called.
        if (
            descriptor is not None
            and hasattr(type(descriptor), "__set__")
            and type(descriptor) is not ForeignKeyDeferredAttribute
        ):
            return None
        names.append(field.attname)
    return tuple(names)


class FastLoad(Model):
    """A model whose rows from the database are built without Model.__init__ (see above)."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        names = _attnames(cls)
        if names is None or pre_init.has_listeners(cls) or post_init.has_listeners(cls):
            return super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        if len(values) != len(names):
            # Deferred columns (a list leaves its search columns unread): `field_names` are
            # the attribute names of those read, in order. Model.__init__ leaves a deferred
            # field out of __dict__, which is how Django knows to load it when it is read.
            if len(field_names) != len(values) or not _attname_set(cls).issuperset(field_names):
                return super().from_db(db, field_names, values, fetch_mode=fetch_mode)
            names = field_names
        new = cls.__new__(cls)
        state = new.__dict__["_state"] = ModelState()
        new.__dict__.update(zip(names, values, strict=True))
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        return new
