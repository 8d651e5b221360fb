from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from applications import demo as applications_demo
from applications import demo_nominations
from equality import demo as equality_demo
from events import demo as events_demo
from exchange import demo as exchange_demo
from funding import demo as funding_demo
from members import demo as members_demo
from members import demo_groups
from outreach import demo as outreach_demo
from selection import demo as selection_demo
from selection import demo_practice as selection_demo_practice
from selection import demo_review as selection_demo_review


class Command(BaseCommand):
    help = "Load the demo data and accounts (idempotent). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it refuses to run with DEBUG off. "
                "Pass --force if this really is a demonstration site."
            )
        members_demo.seed_places()
        accounts = members_demo.seed_accounts()
        applications_demo.seed_recruitment()
        demo_nominations.seed_nominations()
        members_demo.seed_members()
        selection_demo.seed_selection()
        selection_demo_review.seed_review_round()
        outreach_demo.seed_waves()
        equality_demo.seed_equality_monitoring()
        selection_demo_practice.seed_practice()
        events_demo.seed_events()
        demo_groups.seed_groups()
        exchange_demo.seed_exchange()
        funding_demo.seed_funding()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo accounts (password: {members_demo.DEMO_PASSWORD}):")
        for email in accounts:
            self.stdout.write(f"  {email}")
