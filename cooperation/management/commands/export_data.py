"""export_data FILE [--force]: write the whole portal to one archive (docs/backup.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cooperation.backup.archive import BackupError, portal_export


class Command(BaseCommand):
    help = (
        "Back up the whole portal (rows, history, users with password hashes, API token "
        "hashes, original files) to FILE, a zip archive with a checksummed manifest."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # A usage error is one line on stderr (argparse would print the whole usage first).
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive to write (refused if it exists).")
        parser.add_argument("--force", action="store_true", help="Replace an existing FILE.")

    def handle(self, *args, **options):
        try:
            report = portal_export(path=options["file"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"{options['file']}: cannot write the backup ({exc}).") from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise CommandError(f"cannot read the database ({first}).") from None
        for name in report.missing_media:
            self.stderr.write(f"warning: {name} is named by a source but missing from media.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {report.rows:,} rows in {report.tables} tables and {report.media} "
                f"media file{'' if report.media == 1 else 's'} to {report.path} "
                f"({report.size:,} bytes)."
            )
        )
