"""send_digests: e-mail each daily-digest reader their unread notifications of the last day."""

from django.core.management.base import BaseCommand

from cooperation.services.notifications import send_digests


class Command(BaseCommand):
    help = (
        "E-mail every person who chose a daily digest their unread notifications of the last "
        "24 hours that they have not been e-mailed yet, as one e-mail each (only what they may "
        "still read). Run it once a day, e.g. from cron; running it twice sends nothing twice."
    )

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} digest{'' if sent == 1 else 's'}."))
