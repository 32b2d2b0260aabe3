"""Forms of the analyst workspace; every save goes through cooperation.services."""
