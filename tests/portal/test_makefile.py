"""`make run` works: every manage.py step of its recipe (but the server) runs as written."""

import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from accounts.models import User
from cooperation.models import Agreement

MAKEFILE = Path(django_settings.BASE_DIR) / "Makefile"


def _run_recipe_commands() -> list[list[str]]:
    """The `manage.py` lines of the `run:` recipe, as argument lists."""
    commands, in_run = [], False
    for line in MAKEFILE.read_text().splitlines():
        if line.startswith("run:"):
            in_run = True
            continue
        if in_run and not line.startswith("\t"):
            if line.strip() and not line.startswith("run:"):
                break
            continue
        if in_run and "manage.py" in line:
            commands.append(shlex.split(line.split("manage.py", 1)[1]))
    return commands


def test_make_run_recipe_is_what_this_test_expects():
    names = [command[0] for command in _run_recipe_commands()]
    assert names == ["migrate", "load_demo", "create_demo_users", "runserver"]


@pytest.mark.django_db
def test_make_run_steps_accept_their_arguments_and_leave_a_usable_portal(settings):
    settings.DEBUG = True  # as `make run` sets it
    for name, *args in _run_recipe_commands():
        if name == "runserver":
            continue
        call_command(name, *args, stdout=StringIO(), verbosity=0)

    assert Agreement.objects.count() == 10
    assert User.objects.filter(email="curator@contours.local").exists()
