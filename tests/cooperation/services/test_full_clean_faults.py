"""A database fault met while a service validates is raised as the fault, not as a refusal.

Django's Q.check() (conditional constraints: an agreement's UN Treaty Series number)
swallows a failing query and answers "violated"; the burst in tests/trust/test_faults.py
once had a killed session answered 400 "another agreement has this registration number".
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from cooperation.models import Agreement
from cooperation.services.common import full_clean

pytestmark = pytest.mark.django_db


class _DeadCursor:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, *args):
        raise OperationalError("server closed the connection unexpectedly")


def test_a_refusal_on_a_dead_connection_is_the_connection_fault(monkeypatch):
    agreement = Agreement(title="Fine", registration_number="I:33521")

    def checked_on_a_cut_session():  # what Q.check() answers when its query fails
        raise ValidationError({"registration_number": "Another agreement has this number."})

    with monkeypatch.context() as patch:
        patch.setattr(agreement, "full_clean", checked_on_a_cut_session)
        patch.setattr(connection, "cursor", lambda: _DeadCursor())
        with pytest.raises(OperationalError):
            full_clean(agreement)


def test_a_refusal_on_a_healthy_connection_stays_a_refusal():
    with pytest.raises(ValidationError) as refused:
        full_clean(Agreement(title=""))
    assert "title" in refused.value.message_dict
