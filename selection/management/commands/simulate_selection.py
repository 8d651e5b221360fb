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

import math
import statistics
import time

from django.core.management.base import BaseCommand
from scipy import stats

from scoring.simulation import Design, simulate

DEFAULT_METHOD = "model (default: fixed reviewer effects)"


def interval(values: list[float]) -> tuple[float, float]:
    """The mean and the half-width of its 95 % confidence interval over the
    seeds (Student's t: twenty rounds are a small sample)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, math.nan
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, half


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
        self.stdout.write(f"{'ranking':<{width}}   mean    min    max   95 % interval of the mean")
        for method, shares in results.items():
            mean, half = interval(shares)
            self.stdout.write(
                f"{method:<{width}}  {mean:.4f}  {min(shares):.3f}  {max(shares):.3f}   "
                f"{mean - half:.4f}-{mean + half:.4f}"
            )
        # Paired over the same rounds: the seed-to-seed spread of the rounds
        # themselves cancels, so these intervals are far narrower.
        default = results.get(DEFAULT_METHOD)
        if default is not None:
            self.stdout.write("Differences from the default ranking, paired by round (95 % interval):")
            for method, shares in results.items():
                if method == DEFAULT_METHOD:
                    continue
                mean, half = interval([d - s for d, s in zip(default, shares, strict=True)])
                self.stdout.write(
                    f"  default - {method:<{width}} {mean:+.4f} ({mean - half:+.4f} to {mean + half:+.4f})"
                )
