"""purge_idempotency_keys: delete API Idempotency-Keys past their retention (run it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from cooperation.services.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = (
        "Delete the stored answers of API POSTs whose Idempotency-Key is older than "
        "CONTOURS_IDEMPOTENCY_HOURS (24 by default). Expired keys are already ignored; "
        "this only frees their rows. Safe to run at any time, e.g. daily from cron."
    )

    def handle(self, *args, **options):
        count = idempotency_keys_purge()
        hours = settings.CONTOURS_IDEMPOTENCY_HOURS
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {count:,} idempotency key{'' if count == 1 else 's'} older than "
                f"{hours} hour{'' if hours == 1 else 's'}."
            )
        )
