from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation, User
from accounts.roles import ADMIN, ANALYST, CURATOR, PARTNER
from accounts.services import organisation_create, user_create

DEMO_PASSWORD = "contours-demo"
DEMO_USERS = [
    ("admin@contours.local", "Ada Admin", [ADMIN], True),
    ("curator@contours.local", "Chandra Curator", [CURATOR], False),
    ("analyst@contours.local", "Aiko Analyst", [ANALYST], False),
    ("partner@contours.local", "Priya Partner", [PARTNER], False),
]
DEMO_PARTNER_ORGANISATION = "Demo Partner Institute"


class Command(BaseCommand):
    help = (
        "Create one demo user per role (password 'contours-demo') for local development. "
        "Refuses to run with DJANGO_DEBUG off. Existing users are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-if-debug",
            action="store_true",
            help="With DJANGO_DEBUG off, say so and do nothing (exit 0) instead of refusing.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            if options["only_if_debug"]:
                self.stdout.write("No demo users: DJANGO_DEBUG is off.")
                return
            raise CommandError(
                "demo users have a published password; run only with DJANGO_DEBUG=1."
            )
        organisation = Organisation.objects.filter(name=DEMO_PARTNER_ORGANISATION).first()
        if organisation is None:
            organisation = organisation_create(name=DEMO_PARTNER_ORGANISATION)
        for email, name, roles, is_superuser in DEMO_USERS:
            if User.objects.filter(email__iexact=email).exists():
                continue
            user_create(
                email=email,
                password=DEMO_PASSWORD,
                roles=roles,
                full_name=name,
                organisation=organisation if PARTNER in roles else None,
                is_superuser=is_superuser,
            )
        self.stdout.write("Demo users (password 'contours-demo'):")
        for email, _, roles, _ in DEMO_USERS:
            self.stdout.write(f"  {email:<26} {', '.join(roles)}")
