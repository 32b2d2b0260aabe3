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
gets a new `updated_at`, so its record's Last-Modified moves, and its record an entry in
the change feed, so partners' mirrors read it again.
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
    updates, touched = [], set()
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
        updates.append((pk, new))
        touched.add((spine_id, kind, kind_id, field))
    # Written once the read is done: SQLite does not isolate a cursor from writes to the
    # table it is reading.
    for pk, new in updates:
        Claim._base_manager.filter(pk=pk).update(value=new, updated_at=now)
    for spine_id, kind, kind_id, field in sorted(touched):
        _prefer_again(apps, spine_id, kind, kind_id, field, now)
    if touched:
        _log_records(apps, schema_editor, {(kind, kind_id) for _s, kind, kind_id, _f in touched})


# The change feed's write lock (cooperation/changes.py _LOCK_KEY): entries are appended
# one transaction at a time, so a reader never skips one committed late.
_FEED_LOCK = 0x436F6E746F757273


def _log_records(apps, schema_editor, records):
    """One change-feed entry per record whose claims were rewritten, with this migration's
    own models (today's code may not match a later schema): readable by staff while the
    record is live, and by partners while it is also published (selectors._record_read)."""
    Spine = apps.get_model("cooperation", "RecordSpine")
    ChangeEntry = apps.get_model("cooperation", "ChangeEntry")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FEED_LOCK])
    ordered = sorted(records)
    entries = []
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        spines = Spine._base_manager.filter(
            record_kind__in={kind for kind, _ in chunk}, kind_id__in={pk for _, pk in chunk}
        ).values_list("record_kind", "kind_id", "visibility", "deleted_at")
        for kind, kind_id, visibility, deleted_at in spines:
            if (kind, kind_id) not in records:
                continue
            staff = deleted_at is None
            entries.append(
                ChangeEntry(
                    kind=kind,
                    object_id=kind_id,
                    staff=staff,
                    partners=staff and visibility == "published",
                )
            )
    entries.sort(key=lambda entry: (entry.kind, entry.object_id))
    ChangeEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0023_currency_code_field")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
