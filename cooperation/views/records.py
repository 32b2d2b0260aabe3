"""Placeholder until this area lands; see cooperation/urls.py."""

urlpatterns: list = []
