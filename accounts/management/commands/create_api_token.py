"""create_api_token --user EMAIL --name NAME [--write] [--expires-days N]: print a token once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import MAX_TOKEN_DAYS, api_token_create
from cooperation.services.common import describe_validation_error


class Command(BaseCommand):
    help = (
        "Make an API token for a user and print it once; only its hash is stored. "
        "Partners read published records with it; --write lets them post partner notes."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # A usage error is one line on stderr (argparse would print the whole usage first).
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The user's email address.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--write", action="store_true", help="Allow writes (partners: notes only)."
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help=f"Expire after N days (1–{MAX_TOKEN_DAYS}); default: never.",
        )

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"no user with email {options['user']!r}.")
        try:
            token, plaintext = api_token_create(
                user=user,
                name=options["name"],
                can_write=options["write"],
                expires_days=options["expires_days"],
            )
        except ValidationError as exc:
            raise CommandError(describe_validation_error(exc)) from None
        expiry = token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if token.expires_at else "never"
        # The token alone on stdout, so `TOKEN=$(manage.py create_api_token …)` works;
        # the explanation goes to stderr.
        self.stderr.write(
            f"Token {token.name!r} for {user.email} (write: {'yes' if token.can_write else 'no'}, "
            f"expires: {expiry}). It is shown only now; store it safely."
        )
        self.stdout.write(plaintext)
