"""Deal.value_currency becomes a CurrencyCodeField: the same varchar(3), kept in capitals
by the field's to_python. Nothing changes in the database, so the change is the state's
alone (SQLite would otherwise rebuild the table, and its PostgreSQL-only indexes)."""

import django.core.validators
from django.db import migrations

import cooperation.models.records


def _field():
    return cooperation.models.records.CurrencyCodeField(
        blank=True,
        help_text="ISO 4217 code of the value's currency (USD, EUR, INR, JPY…).",
        max_length=3,
        validators=[
            django.core.validators.RegexValidator(
                "^[A-Za-z]{3}$",
                "Give the currency as its ISO 4217 code: three letters, e.g. USD.",
                code="invalid",
            )
        ],
        verbose_name="currency",
    )


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0022_search_terms")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=model, name="value_currency", field=_field())
                for model in ("deal", "historicaldeal")
            ]
        )
    ]
