"""/api/: v1 routes, the OpenAPI schema and its docs (issue 4)."""

urlpatterns: list = []
