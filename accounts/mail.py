"""The development mailer: emails printed to the console as a person reads them.

Django's console backend prints the raw MIME message, so a line longer than 78
characters (a password-reset link) comes out quoted-printable, broken across lines
with a trailing "=", and cannot be copied from the terminal. This backend prints the
headers a reader needs and the decoded text of each part instead.
"""

from __future__ import annotations

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

_SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject")


class ReadableConsoleEmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        msg = message.message()
        for name in _SHOWN_HEADERS:
            if msg[name]:
                self.stream.write(f"{name}: {msg[name]}\n")
        self.stream.write("\n")
        for part in msg.walk():
            if part.get_content_maintype() == "text" and not part.is_multipart():
                self.stream.write(part.get_content().rstrip("\n") + "\n")
        self.stream.write("-" * 79 + "\n")
