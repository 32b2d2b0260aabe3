"""media_orphans [--delete]: files in media that no row names, and writes a crash left half done.

A dry run by default: it lists, and changes nothing. See cooperation/media.py and
docs/operations.md ("Media files").
"""

from django.core.management.base import BaseCommand

from cooperation import media
from cooperation.text_extraction import human_size

_ACTION_WORDS = {
    media.RESTORE: "put in place (a row names it and it is missing)",
    media.REMOVE: "removed",
    media.KEEP: "kept: a different file has its name; check it by hand",
}


class Command(BaseCommand):
    help = (
        "List files in media storage that no row names (orphans), files a row names that are "
        "missing, and staged files left by interrupted imports or restores. With --delete, "
        "remove the orphans and the interrupted staging (putting in place any staged file a "
        "row still needs). Without it, change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Remove what is listed (default: a dry run)."
        )

    def handle(self, *args, delete, **options):
        report = media.media_report()
        try:
            self._report(report, delete=delete)
        finally:
            for item, _ in report.actions:
                item.release()

    def _report(self, report: media.MediaReport, *, delete: bool) -> None:
        out = self.stdout
        for name, size in report.orphans.items():
            out.write(f"orphan   {name} ({human_size(size)}): no row names it")
        for item, action in report.actions:
            where = item.name or "an unknown name"
            out.write(
                f"staged   {media.STAGING}/{item.directory.name} for {where} "
                f"({human_size(item.size)}), left by an interrupted write: "
                f"{'will be ' if not delete else ''}{_ACTION_WORDS[action]}"
            )
        for name in report.missing:
            if name not in report.restorable:
                out.write(f"missing  {name}: a row names it, but it is not in media")
        if not report.orphans and not report.actions:
            out.write(self.style.SUCCESS("No orphan files and no interrupted writes."))
            return
        size = sum(report.orphans.values()) + sum(
            item.size for item, action in report.actions if action == media.REMOVE
        )
        count = len(report.orphans) + sum(1 for _, a in report.actions if a == media.REMOVE)
        if not delete:
            out.write(
                f"Dry run: nothing changed. `manage.py media_orphans --delete` would remove "
                f"{count} file{'' if count == 1 else 's'} ({human_size(size)})"
                + (
                    f" and put {len(report.restorable)} back in place."
                    if report.restorable
                    else "."
                )
            )
            return
        for name in report.orphans:
            media.delete_orphan(name)
        restored = 0
        for item, action in report.actions:
            if media.resolve_abandoned(item, action) and action == media.RESTORE:
                restored += 1
        out.write(
            self.style.SUCCESS(
                f"Removed {count} file{'' if count == 1 else 's'} ({human_size(size)})"
                + (f" and put {restored} back in place." if restored else ".")
            )
        )
