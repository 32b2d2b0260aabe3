"""Claims stored before a claim held its value as the field keeps it get that value.

Until then the API stored a claim's value as sent once the field accepted it: "12" or
12.0 for a number, "5" for a link, "usd" for a currency, 5 for a text. The record kept
12, 5, "USD", "5", so such a claim compared unequal to the value it agreed with. Each is
rewritten here in the form the services now write (services/claims.py `_clean_value`);
a value that has no such form is left exactly as it is, never dropped. The meaning of a
claim does not change, so no history row is written for it.
"""

from decimal import Decimal, InvalidOperation

from django.db import migrations

WHOLE_NUMBERS = {
    "supplier",
    "recipient",
    "number_ordered",
    "number_delivered",
    "delivery_first_year",
    "delivery_last_year",
    "value_year",
}
TEXTS = {
    "status",
    "place_of_signature",
    "depositary",
    "registration_number",
    "system",
    "weapon_category",
    "severity",
    "priority",
}
YES = {"t", "true", "1", "yes", "on"}
NO = {"f", "false", "0", "no", "off"}


def kept(field, value):
    """`value` as the services now keep it for `field`, or `value` itself."""
    if isinstance(value, bool) or value is None:
        return value
    if field in WHOLE_NUMBERS:
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif field == "value_currency" and isinstance(value, str):
        return value.strip().upper()
    elif field in TEXTS and isinstance(value, (int, float)):
        return str(value)
    elif field == "estimated_value" and isinstance(value, (int, float, str)):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return value
        if number.is_finite():
            return format(number.normalize(), "f")
    elif field == "licensed_production" and isinstance(value, (int, str)):
        word = str(value).strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
    elif field in {"parties", "addressed_to"} and isinstance(value, list):
        if all(isinstance(pk, int) and not isinstance(pk, bool) for pk in value):
            return sorted(set(value))
    return value


def forwards(apps, schema_editor):
    Claim = apps.get_model("cooperation", "Claim")
    fields = WHOLE_NUMBERS | TEXTS | {
        "value_currency",
        "estimated_value",
        "licensed_production",
        "parties",
        "addressed_to",
    }
    rows = Claim._base_manager.filter(field__in=fields).values_list("pk", "field", "value")
    for pk, field, value in rows.iterator(chunk_size=2000):
        new = kept(field, value)
        if new != value or type(new) is not type(value):
            Claim._base_manager.filter(pk=pk).update(value=new)


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0023_currency_code_field")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
