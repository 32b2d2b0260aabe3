"""Claims stored before a claim held its value as the field keeps it get that value.

Until then the API stored a claim's value as sent once the field accepted it: "12" or
12.0 for a number, "5" for a link, "usd" for a currency, 5 for a text. The record kept
12, 5, "USD", "5", so such a claim compared unequal to the value it agreed with. Each is
rewritten here as the services now write it (services/claims.py `_clean_value`): through
the field's own clean(), and only where the services would accept the result. A value
they would refuse, or one the field keeps as empty (0 for yes/no), is left exactly as it
was, never dropped. Dates and agreements' party dates are left as they were.

Such a claim, once added, had turned the field into a disagreement (its preferred claim
demoted). Where every live claim of the field now holds the record's own value and none
is preferred, the oldest is preferred again, as it would have stayed. A rewritten claim
gets a new `updated_at`, so its record's Last-Modified moves, and an entry in the change
feed for its record (with today's feed code, as migration 0008 seeded it), so partners'
mirrors read it again.
"""

from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import migrations
from django.utils import timezone

FACTS = {
    "agreement": ("status", "parties", "place_of_signature", "depositary", "registration_number"),
    "deal": (
        "status",
        "supplier",
        "recipient",
        "system",
        "weapon_category",
        "licensed_production",
        "number_ordered",
        "number_delivered",
        "delivery_first_year",
        "delivery_last_year",
        "estimated_value",
        "value_currency",
        "value_year",
    ),
    "challenge": ("severity",),
    "recommendation": ("priority", "addressed_to"),
}
LEAVE = object()  # no rewrite


def _an_id(value):
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isascii() and value.isdigit() and len(value) < 20 else None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return None
    return value


def kept(model_field, value):
    """`value` as the services now keep it for `model_field`, or LEAVE."""
    if model_field.many_to_many:
        ids = [_an_id(pk) for pk in value] if isinstance(value, list) else [None]
        return LEAVE if None in ids or not ids else sorted(set(ids))
    if model_field.is_relation:
        pk = _an_id(value)
        return LEAVE if pk is None else pk
    internal = model_field.get_internal_type()
    if value is None or (isinstance(value, bool) and internal != "BooleanField"):
        return LEAVE
    if "IntegerField" in internal and isinstance(value, float) and not value.is_integer():
        return LEAVE  # int() would keep another number: the services refuse it
    try:
        if internal == "DecimalField":
            value = Decimal(str(value))
        cleaned = model_field.clean(value, None)
    except (ValidationError, ValueError, TypeError, ArithmeticError):
        return LEAVE
    if cleaned is None or cleaned is False or cleaned == "":
        return LEAVE  # empty: the services refuse a claim of it
    if isinstance(cleaned, Decimal):
        return format(cleaned.normalize(), "f")
    return cleaned


def _record_value(apps, kind, kind_id, field):
    model = apps.get_model("cooperation", kind)
    record = model._base_manager.filter(pk=kind_id).first()
    if record is None:
        return LEAVE
    model_field = model._meta.get_field(field)
    if model_field.many_to_many:
        return sorted(getattr(record, field).values_list("pk", flat=True))
    value = getattr(record, model_field.attname)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _prefer_again(apps, spine_id, kind, kind_id, field, now):
    Claim = apps.get_model("cooperation", "Claim")
    live = Claim._base_manager.filter(spine_id=spine_id, field=field, deleted_at__isnull=True)
    if live.filter(rank="preferred").exists():
        return
    standing = list(live.exclude(rank="deprecated").order_by("pk"))
    if not standing:
        return
    value = standing[0].value
    if any(c.value != value or type(c.value) is not type(value) for c in standing):
        return
    if _record_value(apps, kind, kind_id, field) != value:
        return
    Claim._base_manager.filter(pk=standing[0].pk).update(rank="preferred", updated_at=now)


def forwards(apps, schema_editor):
    Claim = apps.get_model("cooperation", "Claim")
    models = {kind: apps.get_model("cooperation", kind) for kind in FACTS}
    fields = {name for names in FACTS.values() for name in names}
    now = timezone.now()
    rows = Claim._base_manager.filter(field__in=fields).values_list(
        "pk", "field", "value", "spine_id", "spine__record_kind", "spine__kind_id"
    )
    changed, touched = [], set()
    for pk, field, value, spine_id, kind, kind_id in rows.iterator(chunk_size=2000):
        if field not in FACTS.get(kind, ()):
            continue
        try:
            model_field = models[kind]._meta.get_field(field)
        except FieldDoesNotExist:
            continue
        new = kept(model_field, value)
        if new is LEAVE or (new == value and type(new) is type(value)):
            continue
        Claim._base_manager.filter(pk=pk).update(value=new, updated_at=now)
        changed.append(pk)
        touched.add((spine_id, kind, kind_id, field))
    for spine_id, kind, kind_id, field in sorted(touched):
        _prefer_again(apps, spine_id, kind, kind_id, field, now)
    if changed:
        # The feed's own logging, with today's code (as 0008 seeded the feed): each claim's
        # record gets an entry, readable by whoever may read the record.
        from cooperation.changes import record_change
        from cooperation.models import Claim as LiveClaim

        for claim in LiveClaim.all_objects.filter(pk__in=changed).select_related("spine"):
            record_change(claim)


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0023_currency_code_field")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
