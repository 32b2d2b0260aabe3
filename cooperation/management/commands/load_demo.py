from django.core.management.base import BaseCommand, CommandError

from cooperation.importers.demo import DemoDataError, DemoLoader


class Command(BaseCommand):
    help = (
        "Load the demo brief (CENJOWS GL/31/24, India–Japan strategic cooperation) and every "
        "record curated from it. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        loader = DemoLoader(progress=lambda line: self.stdout.write(line))
        try:
            report = loader.run()
        except DemoDataError as exc:
            raise CommandError(f"demo data does not fit the brief: {exc}") from None
        if report.created:
            self.stdout.write(
                self.style.SUCCESS(f"Loaded the demo brief: {report.created} new items.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS("The demo brief is already loaded; nothing changed.")
            )
