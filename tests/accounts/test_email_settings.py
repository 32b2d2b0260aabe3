"""Email from the environment: the console by default, SMTP when EMAIL_HOST is set."""

from __future__ import annotations

import json

from tests.utils import clean_env, run_python

PRINT_MAIL = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({"MAILERS": settings.MAILERS, "FROM": settings.DEFAULT_FROM_EMAIL}))
"""


def _mail_settings(tmp_path, **env):
    env = clean_env(
        tmp_path,
        **{
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_SECRET_KEY": "x" * 50,
            "EMAIL_HOST": None,
            **env,
        },
    )
    return run_python(["-c", PRINT_MAIL], env)


def test_email_goes_to_the_console_by_default(tmp_path):
    result = _mail_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["MAILERS"]["default"]["BACKEND"] == "accounts.mail.ReadableConsoleEmailBackend"


def test_email_uses_smtp_when_the_environment_names_a_host(tmp_path):
    result = _mail_settings(
        tmp_path,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="mailer",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="Contours <portal@example.org>",
    )

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    mailer = data["MAILERS"]["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {"password": "…"} == {
        "host": "smtp.example.org",
        "port": 2525,
        "username": "mailer",
        "password": "…",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
    }
    assert mailer["OPTIONS"]["password"] == "secret"
    assert data["FROM"] == "Contours <portal@example.org>"


def test_email_refuses_tls_and_ssl_together(tmp_path):
    result = run_python(
        ["manage.py", "check"],
        clean_env(
            tmp_path,
            DJANGO_SETTINGS_MODULE="portal.settings",
            DJANGO_SECRET_KEY="x" * 50,
            EMAIL_HOST="smtp.example.org",
            EMAIL_USE_TLS="1",
            EMAIL_USE_SSL="1",
        ),
    )

    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL" in result.stderr


def test_console_mailer_prints_a_long_link_whole_on_one_line():
    import io

    from django.core.mail import EmailMessage

    from accounts.mail import ReadableConsoleEmailBackend

    link = "http://127.0.0.1:8000/accounts/reset/MQ/" + "c" * 6 + "-" + "f" * 64 + "/"
    stream = io.StringIO()
    backend = ReadableConsoleEmailBackend(stream=stream)

    sent = backend.send_messages(
        [EmailMessage("Reset your password — Contours", f"Open:\n\n{link}\n", to=["a@b.org"])]
    )

    printed = stream.getvalue()
    assert sent == 1
    assert f"\n{link}\n" in printed
    assert "Subject: Reset your password — Contours" in printed
    assert "To: a@b.org" in printed
    assert "=\n" not in printed
