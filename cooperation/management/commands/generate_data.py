"""`manage.py generate_data --records N [--seed S]`: synthetic data for scale and benchmarks."""

import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cooperation.services.common import describe_validation_error
from cooperation.synthetic.generator import MAX_RECORDS, synthetic_data_generate


class ProgressBar:
    """One line on stderr, rewritten in place: a bar, counts, elapsed time and an estimate."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.started = time.monotonic()
        self.interactive = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.started
        filled = round(self.WIDTH * done / total)
        left = elapsed / done * (total - done) if done else 0
        line = (
            f"generate_data [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{done:,}/{total:,} records, {elapsed:.0f} s, ~{left:.0f} s left"
        )
        # A terminal gets one line rewritten; a log file gets one line per batch.
        self.stream.write(("\r" + line) if self.interactive else line + "\n")
        if self.interactive and done == total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Add N synthetic records (all four kinds) with briefs, excerpts anchored in them, "
        "evidence, notes with replies, status timelines and history. Deterministic with --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--records", type=int, required=True, help=f"How many records (1–{MAX_RECORDS:,})."
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar on stderr."
        )

    def handle(self, *args, records, seed, no_progress, **options):
        progress = None if no_progress else ProgressBar(sys.stderr)
        started = time.monotonic()
        try:
            report = synthetic_data_generate(records=records, seed=seed, progress=progress)
        except ValidationError as exc:
            raise CommandError(describe_validation_error(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {report.summary()} in {time.monotonic() - started:.1f} s."
            )
        )
