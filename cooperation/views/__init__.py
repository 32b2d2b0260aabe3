"""Pages of the analyst workspace, one module per area (see cooperation/urls.py)."""
