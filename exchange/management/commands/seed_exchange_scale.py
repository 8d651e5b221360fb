from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exchange.scale import seed_exchange_scale


class Command(BaseCommand):
    help = (
        "Build a large exchange call in refinement (2,000 ideas, 20,000 comments by default) from existing "
        "members, for the benchmark. Refuses with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ideas", type=int, default=2_000)
        parser.add_argument("--comments", type=int, default=20_000)
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, ideas, comments, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_exchange_scale refuses to run with DEBUG off. Pass --force on a benchmark database."
            )
        try:
            call = seed_exchange_scale(ideas=ideas, comments=comments)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{call.title}: {ideas} ideas, {comments} comments.")
