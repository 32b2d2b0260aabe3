from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from cooperation.choices import Visibility
from cooperation.services import source_import
from cooperation.services.common import describe_validation_error
from cooperation.text_extraction import human_size


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Import a brief (.txt, .md or .pdf). Its text is stored exactly; "
        "the same text twice is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--title", default="", help="Title (default: from the file).")
        parser.add_argument("--publisher", default="")
        parser.add_argument("--authors", default="")
        parser.add_argument("--reference", default="", help="Reference code, e.g. GL/31/24.")
        parser.add_argument("--date", default=None, help="Event or publication date, YYYY-MM-DD.")
        parser.add_argument("--visibility", default=Visibility.INTERNAL, choices=Visibility.values)

    def handle(self, *args, **options):
        path = Path(options["path"])
        published_on = _iso_date(options["date"]) if options["date"] else None
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        # Check the size before reading, so a huge file is refused without loading it.
        size = path.stat().st_size
        limit = settings.CONTOURS_MAX_SOURCE_BYTES
        if size > limit:
            raise CommandError(
                f"{path}: the file is {size:,} bytes, over the {limit:,}-byte limit "
                f"({human_size(limit)})."
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror}).") from None
        try:
            source = source_import(
                data=data,
                filename=path.name,
                user=None,
                title=options["title"],
                publisher=options["publisher"],
                authors=options["authors"],
                reference_code=options["reference"],
                published_on=published_on,
                visibility=options["visibility"],
            )
        except ValidationError as exc:  # SourceImportError included
            raise CommandError(f"{path}: {describe_validation_error(exc)}") from None
        except PermissionDenied as exc:
            raise CommandError(f"{path}: {exc}") from None
        furniture = len(source.furniture)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported source #{source.pk} “{source.title}”: {len(source.text):,} characters, "
                f"sha256 {source.sha256[:12]}…, {furniture} page-furniture block"
                f"{'' if furniture == 1 else 's'} recognised."
            )
        )
