"""Demo practice applications for `seed_demo` (#15), run after
`selection.demo.seed_selection`: two synthetic practice applications with
agreed scores in the pilot round, which both demo reviewers scored before
their queue opened (so the calibration page has practice errors beside the
live reviewer effects), and the same two in the wider round, which reviewers
will practise on when it goes to review. Idempotent: found by round and title."""

from django.db import transaction

from applications.models import Round
from members.models import User

from .models import PracticeApplication, PracticeReview
from .services.practice import practice_create, practice_review_submit

ROUNDS = ("Pilot, summer 2026", "Wider recruitment, winter 2026")

PRACTICE = [
    {
        "title": "Practice 1: a ward sister leading a falls project",
        "answers": {
            "a": "I set up a weekly huddle with physiotherapists and porters so that everyone who moves "
            "patients could say what they saw. We share the run chart on the ward board.",
            "b": "I led a two-year project that halved falls with harm on an older people's ward: I "
            "gathered the data, ran the first PDSA cycles on bed rails and footwear, and trained the team.",
            "c": "Early cycles failed because we changed three things at once; we learnt to test one "
            "change with one patient on one shift before spreading it.",
        },
        "agreed_scores": {"a": 3, "b": 4, "c": 3},
        "rationale": "(b) is a 4: a clear personal role over time with measured results. (a) and (c) are "
        "3s: collaboration and reflection are real but described for one team only; a 4 would show "
        "working across organisations or reflecting on why an approach suits a context.",
    },
    {
        "title": "Practice 2: a commissioner new to improvement",
        "answers": {
            "a": "I am keen to join a community of people who improve care and would bring a commissioner's view.",
            "b": "I sat on the steering group of a discharge project and read its reports.",
            "c": "Improvement needs data and leadership.",
        },
        "agreed_scores": {"a": 2, "b": 1, "c": 1},
        "rationale": "Enthusiasm is clear but the answers describe no role played in an improvement (b) "
        "and no reflection on an approach (c). (a) is a 2: willing to collaborate, with no example yet.",
    },
]

# How the demo reviewers scored the pilot's practice: reviewer@ a little lenient.
PRACTICE_SCORES = {
    "reviewer@example.org": [{"a": 4, "b": 4, "c": 4}, {"a": 3, "b": 2, "c": 1}],
    "reviewer2@example.org": [{"a": 3, "b": 3, "c": 3}, {"a": 2, "b": 1, "c": 1}],
}


@transaction.atomic
def seed_practice() -> None:
    programme = User.objects.filter(email="programme@example.org").first()
    for name in ROUNDS:
        round = Round.objects.filter(name=name).first()
        if round is None or programme is None:
            continue
        for item in PRACTICE:
            practice = PracticeApplication.objects.filter(round=round, title=item["title"]).first()
            if practice is None:
                practice = practice_create(round=round, by=programme, **item)
            if name != ROUNDS[0]:
                continue
            for email, scores in PRACTICE_SCORES.items():
                reviewer = User.objects.filter(email=email).first()
                if reviewer is None or PracticeReview.objects.filter(practice=practice, reviewer=reviewer).exists():
                    continue
                practice_review_submit(practice=practice, scores=scores[PRACTICE.index(item)], by=reviewer)
