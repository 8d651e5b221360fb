"""Synthetic selection rounds where the truth is known: how much of the true top
each ranking recovers (`scoring.simulation`).

    python manage.py simulate_selection --applicants 1000 --reviewers 60 \\
        --per-application 3 --bias 0.5 --noise 0.6 --seeds 20

Each round is assigned by the portal's own assignment (`plan_assignments`, the
function `assignments_auto` runs) and ranked by the same functions the score
services store (mean, z-scores, the additive model). It runs those pure
functions directly rather than through the database: twenty rounds of 3,000
reviews through the ORM would take minutes on a small machine and measure the
database, not the ranking; the services only load rows for them and store
their results."""

import time

from django.core.management.base import BaseCommand

from scoring.simulation import Design, simulate


class Command(BaseCommand):
    help = "Measure how well each ranking recovers the true top applications in synthetic rounds."

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=1000)
        parser.add_argument("--reviewers", type=int, default=60)
        parser.add_argument("--per-application", type=int, default=3)
        parser.add_argument("--bias", type=float, default=0.5, help="sd of each reviewer's bias, per criterion")
        parser.add_argument("--noise", type=float, default=0.6, help="sd of each score's noise")
        parser.add_argument("--select", type=int, default=200, help="places: the true top to recover")
        parser.add_argument("--seeds", type=int, default=20)
        parser.add_argument("--first-seed", type=int, default=0)

    def handle(self, *args, **options):
        design = Design(
            applicants=options["applicants"],
            reviewers=options["reviewers"],
            per_application=options["per_application"],
            bias=options["bias"],
            noise=options["noise"],
            select=options["select"],
        )
        started = time.perf_counter()
        results: dict[str, list[float]] = {}
        groups, shared = [], []
        for seed in range(options["first_seed"], options["first_seed"] + options["seeds"]):
            recovered, mixed = simulate(design, seed)
            for method, share in recovered.items():
                results.setdefault(method, []).append(share)
            groups.append(mixed["groups"])
            shared.append(mixed["most_shared"])
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{design.applicants} applicants, {design.reviewers} reviewers, {design.per_application} reviews each "
            f"(about {design.applicants * design.per_application / design.reviewers:.0f} per reviewer), "
            f"bias sd {design.bias}, noise sd {design.noise}, top {design.select}, {options['seeds']} seeds "
            f"({seconds:.1f} s)"
        )
        self.stdout.write(
            f"Assignment: connected groups {min(groups)}-{max(groups)}; most applications two reviewers share "
            f"{min(shared)}-{max(shared)}"
        )
        width = max(len(method) for method in results)
        self.stdout.write(f"{'ranking':<{width}}   mean    min    max")
        for method, shares in results.items():
            self.stdout.write(
                f"{method:<{width}}  {sum(shares) / len(shares):.4f}  {min(shares):.3f}  {max(shares):.3f}"
            )
