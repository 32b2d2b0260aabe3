"""Migration operations the project's schema needs beyond Django's own."""

from contextlib import contextmanager

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations
from django.db.migrations.operations.base import Operation


class AddColumnInPlace(migrations.AddField):
    """AddField that adds the column in place on SQLite as well.

    For a NOT NULL column with a default, Django's SQLite backend rebuilds the whole table
    and recreates every index in the model state, the PostgreSQL-only search indexes
    (cooperation.models.search.PostgresOnlyAddIndex) included, which SQLite cannot parse.
    SQLite's own ALTER TABLE … ADD COLUMN takes such a column directly. Elsewhere this is
    Django's AddField.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        definition, params = schema_editor.column_sql(model, field, include_default=True)
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(model._meta.db_table)} ADD COLUMN {quote(field.column)} "
            f"{definition}",
            params,
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Dropping the column may rebuild the table on SQLite: without the GIN indexes.
        with _postgres_indexes_left_out(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


@contextmanager
def _postgres_indexes_left_out(schema_editor):
    """On SQLite, tables the schema editor rebuilds leave out the PostgreSQL-only indexes."""
    if schema_editor.connection.vendor != "sqlite":
        yield
        return
    remake = schema_editor._remake_table

    def remake_without(model, *args, **kwargs):
        kept = model._meta.indexes
        model._meta.indexes = [index for index in kept if not isinstance(index, GinIndex)]
        try:
            return remake(model, *args, **kwargs)
        finally:
            model._meta.indexes = kept

    schema_editor._remake_table = remake_without
    try:
        yield
    finally:
        del schema_editor._remake_table


class SqliteRebuildSafe(Operation):
    """Runs `operation`; where SQLite must rebuild a table for it (a new unique or
    foreign-key column, a dropped constraint, NOT NULL), the rebuilt table leaves out the
    GIN search indexes, which exist on PostgreSQL only
    (cooperation.models.search.PostgresOnlyAddIndex) and which SQLite cannot parse.
    The model state is the operation's own, so `makemigrations --check` agrees."""

    reduces_to_sql = False

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        with _postgres_indexes_left_out(schema_editor):
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        with _postgres_indexes_left_out(schema_editor):
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return self.operation.describe()

    @property
    def migration_name_fragment(self):
        return self.operation.migration_name_fragment
