"""import_data FILE: restore a backup made by export_data into an empty portal."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cooperation.backup.archive import BackupError
from cooperation.backup.restore import portal_import


class Command(BaseCommand):
    help = (
        "Restore a backup made by export_data into an empty, migrated portal. The archive is "
        "checked first; then everything is written in one transaction, or nothing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive export_data wrote.")

    def handle(self, *args, **options):
        try:
            report = portal_import(path=options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise CommandError(f"cannot use the database ({first}).") from None
        for name in report.missing_media:
            self.stderr.write(f"warning: {name} was already missing when the backup was made.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.rows:,} rows into {report.tables} tables and {report.media} "
                f"media file{'' if report.media == 1 else 's'} from {report.path}."
            )
        )
