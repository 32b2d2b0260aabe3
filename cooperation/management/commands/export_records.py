"""export_records FILE [--force] [--kind KIND ...]: the records' JSON export, as staff read
it, written to FILE (import it elsewhere with import_records)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cooperation.exchange import KINDS
from cooperation.exchange.export import stream


class Command(BaseCommand):
    help = (
        "Write the records (all four kinds, or those named with --kind) with their evidence, "
        "status timelines, responses and the sources they cite to FILE as one JSON document."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None  # a usage error is one line
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to write (refused if it exists).")
        parser.add_argument("--force", action="store_true", help="Replace an existing FILE.")
        parser.add_argument(
            "--kind", action="append", choices=list(KINDS), help="Only this kind (repeatable)."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} exists; pass --force to replace it.")
        kinds = options["kind"] or list(KINDS)
        # The system reads as staff: every live record of each kind.
        querysets = [KINDS[kind].objects.order_by("pk") for kind in KINDS if kind in kinds]
        try:
            with path.open("w", encoding="utf-8") as out:
                for piece in stream(None, querysets, internal=True):
                    out.write(piece)
        except OSError as exc:
            raise CommandError(f"{path}: cannot write the export ({exc.strerror}).") from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise CommandError(f"cannot read the database ({first}).") from None
        self.stdout.write(self.style.SUCCESS(f"Exported {', '.join(kinds)} to {path}."))
