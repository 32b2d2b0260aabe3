#!/usr/bin/env python
"""Django's command-line utility for Contours."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Commands get the `command` database budget (longer waits), runserver the web one
    # (portal/database.py).
    from portal.database import ROLE_VARIABLE, role_for_command_line

    os.environ.setdefault(ROLE_VARIABLE, role_for_command_line(sys.argv))
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load settings now to report a bad environment in one line
    except ImproperlyConfigured as exc:
        sys.exit(f"contours: configuration error: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
