"""search_terms [--check]: rebuild the records' words for one-word searches, or check them.

After writes made with PostgreSQL's triggers off (cooperation/search_terms.py). `--check`
changes nothing and exits non-zero, naming each kind out of step, when any row differs.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cooperation.search_terms import drift, kept_by_trigger, rebuild


class Command(BaseCommand):
    help = (
        "Write every record's words (one-word search ranks) again from the records' "
        "stored documents; with --check, only say whether they are in step."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # A usage error is one line on stderr (argparse would print the whole usage first).
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail if any word is out of step."
        )

    def handle(self, *args, **options):
        if not kept_by_trigger():
            self.stdout.write("Nothing to do: only PostgreSQL keeps the records' words.")
            return
        try:
            if options["check"]:
                self._check()
            else:
                written = rebuild()
                self.stdout.write(
                    self.style.SUCCESS(
                        "Rebuilt the records' words: "
                        + ", ".join(f"{kind} {rows:,}" for kind, rows in written.items())
                        + "."
                    )
                )
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise CommandError(f"cannot read the database ({first}).") from None

    def _check(self):
        behind = {kind: rows for kind, rows in drift().items() if rows}
        if behind:
            named = ", ".join(f"{kind} ({rows:,} rows)" for kind, rows in behind.items())
            raise CommandError(
                f"the words of these records are out of step: {named}; run "
                "`manage.py search_terms` to rebuild them."
            )
        self.stdout.write(self.style.SUCCESS("The records' words are in step with the records."))
