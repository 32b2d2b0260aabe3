"""Migration operations the project's schema needs beyond Django's own."""

from django.db import migrations


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


class AddConstraintKeepingIndexes(migrations.AddConstraint):
    """AddConstraint that, on SQLite, leaves the PostgreSQL-only indexes out of the rebuild.

    SQLite cannot add a CHECK or a partial UNIQUE constraint to a table, so Django rebuilds
    the table and recreates every index of the model state, the GIN search indexes
    (cooperation.models.search, built on PostgreSQL only) among them, which SQLite cannot
    parse. The rebuild here recreates the others. Elsewhere this is Django's AddConstraint.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        from django.contrib.postgres.indexes import PostgresIndex

        model = to_state.apps.get_model(app_label, self.model_name)
        indexes = model._meta.indexes
        model._meta.indexes = [i for i in indexes if not isinstance(i, PostgresIndex)]
        try:
            schema_editor.add_constraint(model, self.constraint)
        finally:
            model._meta.indexes = indexes
