"""import_records FILE [--force]: a JSON export of records (export_records, the lists' JSON
export, the API's json-export) written into an empty portal through the services."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cooperation.exchange.document import ExchangeError, read
from cooperation.services.exchange import records_import


class Command(BaseCommand):
    help = (
        "Import a Contours JSON export (records, evidence, excerpts, sources, status "
        "timelines, responses) into an empty portal, through the services, in one "
        "transaction: everything or nothing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None  # a usage error is one line
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON export to read.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add to a portal that already holds records (sources, actors and topics "
            "already here are used as they are; a record whose slug is taken is refused).",
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            document = read(path)
            report = records_import(
                document=document,
                force=options["force"],
                reason=f"Imported from {path}",
                source_name=Path(path).name,
            )
        except ExchangeError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise CommandError(f"cannot use the database ({first}).") from None
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        for suggestion in report.suggestions:
            self.stdout.write(f"suggestion: {suggestion}")
        counts = ", ".join(f"{n:,} {what}" for what, n in report.counts.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Imported {counts} from {path}."))
