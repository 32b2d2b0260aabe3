"""The dashboard (served at / as "home", see portal/urls.py)."""

urlpatterns: list = []
