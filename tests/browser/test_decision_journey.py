"""Issue #6, done when: on a round with reviews, a divergent application appears
in moderation and gets a moderator review; the team moves the cut-off line in the
decision room, accepts in bulk, waitlists the next ten, approves feedback and
releases; the applicant sees the decision and receives the email from the
outbox; one accepted applicant declines and the first waitlisted one is offered
the place."""

import re

import pytest
from playwright.sync_api import expect

from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, PlaceOfferStatus, Recommendation
from selection.models import Decision, PlaceOffer
from selection.selectors.decisions import waiting_list
from selection.services.reviews import review_save
from tests.browser.accounts import sign_in, sign_in_with_mfa, with_secret
from tests.factories import programme_team
from tests.factories.selection import assign, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db(transaction=True)

# Each application's scores from the first reviewer, best first; the second
# reviewer agrees within a point, except on the divergent application.
SCORES = [
    (4, 4, 4), (4, 4, 3), (4, 3, 4), (3, 4, 4), (4, 3, 3), (3, 4, 3), (3, 3, 4), (3, 3, 3), (4, 2, 3),
    (2, 4, 3), (3, 2, 3), (3, 3, 2), (2, 3, 2), (2, 2, 3), (2, 2, 2), (1, 2, 2), (2, 1, 2), (1, 1, 2),
]  # fmt: skip
DIVERGENT = 8
CAPACITY = 5


def recommendation_for(scores) -> Recommendation:
    total = sum(scores)
    return (
        Recommendation.ACCEPT if total >= 10 else Recommendation.MAYBE if total >= 7 else Recommendation.DO_NOT_ACCEPT
    )


def review(assignment, scores, recommendation, comment):
    review_save(
        assignment=assignment,
        by=assignment.reviewer,
        scores=dict(zip("abc", scores, strict=True)),
        comments={"a": comment},
        recommendation=recommendation,
        note_to_panel="",
        submit=True,
    )


def a_round_with_reviews():
    round = review_round(name="Regional round, spring 2027", capacity=CAPACITY)
    rob = reviewer_with_profile(display_name="Rob Evans", mfa=False)
    rhiannon = reviewer_with_profile(display_name="Rhiannon Jones", mfa=False)
    applications = []
    for number, scores in enumerate(SCORES):
        application = submitted_application(round, full_name=f"Applicant {number + 1:02d}")
        if number == DIVERGENT:
            review(assign(application, rob), (4, 4, 4), Recommendation.ACCEPT, "An outstanding, reflective answer.")
            review(assign(application, rhiannon), (1, 1, 2), Recommendation.DO_NOT_ACCEPT, "No personal role shown.")
        else:
            second = (*scores[:2], max(1, scores[2] - number % 2))
            review(assign(application, rob), scores, recommendation_for(scores), "A clear example of joint work.")
            review(assign(application, rhiannon), second, recommendation_for(second), "Shows what changed.")
        applications.append(application)
    return round, applications


def score(page, scores, recommendation):
    for letter, value in zip("abc", scores, strict=True):
        group = page.get_by_role("group", name=re.compile(rf"Score for criterion \({letter}\)"))
        group.get_by_label(re.compile(rf"^{value}:")).check()
    page.get_by_role("group", name="Your recommendation").get_by_label(recommendation, exact=True).check()


def test_moderate_decide_give_feedback_release_and_a_declined_place_goes_to_the_waiting_list(page, mailoutbox):
    round, applications = a_round_with_reviews()
    divergent = applications[DIVERGENT]
    team = programme_team(email="programme@example.org", display_name="Priya Shah")
    team_secret = with_secret(team)

    # Moderation: the divergent pair is in the queue; a moderator review settles it.
    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/selection/rounds/{round.pk}/")
    page.get_by_role("link", name="Moderation", exact=True).click()
    queue = page.get_by_role("table")
    expect(queue.get_by_role("link", name=divergent.reference)).to_be_visible()
    expect(queue.get_by_role("row")).to_have_count(2)  # the header and the one divergent application
    queue.get_by_role("link", name=divergent.reference).click()
    score(page, (3, 3, 3), "Maybe")
    page.get_by_role("button", name="Submit moderator review").click()
    expect(page.get_by_text(f"Your moderator review of {divergent.reference} is submitted.")).to_be_visible()
    expect(page.get_by_role("link", name=divergent.reference)).to_have_count(0)

    # The decision room: draw the line at the capacity plus one, see it is over,
    # move it up, waitlist the next ten, the rest unsuccessful.
    page.get_by_role("link", name="Decision room").click()
    page.get_by_label("Accept the top").fill(str(CAPACITY + 1))
    page.get_by_label("Put this many of the next on the waiting list").fill("10")
    page.get_by_role("group", name="The rest").get_by_label("Unsuccessful", exact=True).check()
    page.get_by_role("button", name="Draw the line").click()
    expect(page.get_by_text(re.compile(r"This line accepts 1 more than the round.s capacity"))).to_be_visible()
    page.get_by_label("Accept the top").fill(str(CAPACITY))
    page.get_by_role("button", name="Draw the line").click()
    expect(page.get_by_text(f"{CAPACITY} of {CAPACITY} places")).to_be_visible()
    expect(page.get_by_text("This line accepts")).to_have_count(0)
    page.get_by_role("link", name="Preview 18 decisions").click()
    expect(page.get_by_role("heading", name="Check these decisions")).to_be_visible()
    page.get_by_role("button", name="Make 18 decisions").click()
    expect(page.get_by_text("18 decisions made: 5 accepted, 10 on the waiting list, 3 unsuccessful")).to_be_visible()

    decisions = dict(Decision.objects.filter(round=round).values_list("application_id", "outcome"))
    accepted = [a for a in applications if decisions[a.pk] == DecisionOutcome.ACCEPT]
    waiting = [decision.application for decision in waiting_list(round=round)]
    assert (len(accepted), len(waiting)) == (CAPACITY, 0)  # not released: no one is on the list yet
    decliner = accepted[0]

    # Feedback: approved for the applicant who will decline; a draft for another,
    # approved from the round's list.
    page.goto(f"/programme/selection/rounds/{round.pk}/")
    page.get_by_role("link", name="Feedback to applicants").click()
    page.get_by_label("Show").select_option(label="Every decided application")
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("link", name=decliner.reference, exact=True).click()
    criterion_a = page.get_by_label(re.compile(r"^Feedback on criterion \(a\)"))
    expect(criterion_a).to_have_value(re.compile("A clear example of joint work."))
    criterion_a.fill("Your account of leading a joint project with patients was compelling.")
    page.get_by_label(re.compile(r"^Feedback on criterion \(b\)")).fill("")
    page.get_by_label(re.compile(r"^Feedback on criterion \(c\)")).fill("")
    page.get_by_role("button", name="Save and approve").click()
    expect(page.get_by_text("is approved: it will be sent with the decision.")).to_be_visible()
    other = accepted[1]
    page.goto(f"/programme/selection/applications/{other.pk}/feedback/")
    page.get_by_label(re.compile(r"^Feedback on criterion \(a\)")).fill("A strong example of your own role.")
    page.get_by_label(re.compile(r"^Feedback on criterion \(b\)")).fill("")
    page.get_by_label(re.compile(r"^Feedback on criterion \(c\)")).fill("")
    page.get_by_role("button", name="Save as a draft").click()
    page.get_by_role("link", name="Feedback for the round").click()
    expect(page.get_by_text("1 application with feedback waiting for approval")).to_be_visible()
    page.get_by_role("button", name=f"Approve as written {other.reference}").click()
    expect(page.get_by_text(f"1 feedback text on {other.reference} approved.")).to_be_visible()

    # Release.
    page.goto(f"/programme/selection/rounds/{round.pk}/")
    page.get_by_role("link", name="Release decisions").click()
    expect(page.get_by_text("The round has 5 places; 5 applications would then be accepted.")).to_be_visible()
    expect(page.get_by_text("18 emails will be sent.")).to_be_visible()
    # A slip of the finger is not a release: the round's name must be typed.
    page.get_by_role("button", name="Release 18 decisions").click()
    expect(page.get_by_role("link", name="Type the round's name to confirm the release.")).to_be_visible()
    page.get_by_label("To confirm, type the round's name").fill("Regional round, spring 2027")
    page.get_by_role("button", name="Release 18 decisions").click()
    expect(page.get_by_text("Releasing 18 decisions.")).to_be_visible()
    expect(page.get_by_text("18 of 18 decisions released.")).to_be_visible()
    expect(page.get_by_text("Finished: every decision confirmed is released.")).to_be_visible()
    first_waiting = waiting_list(round=round).first().application
    assert len(mailoutbox) == 18

    # The applicant sees the decision and has the email from the outbox.
    [email] = [message for message in mailoutbox if message.to == [decliner.applicant.email]]
    assert email.subject == "You have been offered a place in Q"
    assert "Your account of leading a joint project with patients was compelling." in email.body
    assert OutboundEmail.objects.get(to=decliner.applicant.email).status == "sent"
    sign_in(page, decliner.applicant.email)
    page.goto("/apply/")
    page.get_by_role("link", name=re.compile("View status")).click()
    expect(page.get_by_text("Decision made: Accepted")).to_be_visible()
    expect(page.get_by_role("heading", name="You have been offered a place in Q")).to_be_visible()
    expect(page.get_by_text("Your account of leading a joint project with patients was compelling.")).to_be_visible()

    # They decline; the first on the waiting list is offered the place.
    page.get_by_role("link", name="Answer your offer of a place").click()
    expect(page.get_by_role("heading", name="The member compact")).to_be_visible()
    page.get_by_role("link", name="I do not want my place").click()
    page.get_by_label("Would you tell us why?").fill("I have taken a job abroad.")
    page.get_by_role("button", name="Decline my place").click()
    expect(page.get_by_text("You have declined your place.")).to_be_visible()

    offer = PlaceOffer.objects.get(application=first_waiting)
    assert (offer.status, offer.promoted_from_waitlist) == (PlaceOfferStatus.OFFERED, True)
    assert [m.subject for m in mailoutbox if m.to == [first_waiting.applicant.email]] == [
        "Your application to Q: you are on the waiting list",
        "A place in Q has become available for you",
    ]
    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/selection/applications/{first_waiting.pk}/")
    expect(
        page.get_by_text(re.compile(r"Offered a place from the waiting list \(automatically, for the place"))
    ).to_be_visible()
    page.goto(f"/programme/selection/rounds/{round.pk}/places/")
    page.get_by_label("Status").select_option(label="Declined")
    page.get_by_role("button", name="Show offers").click()
    expect(page.get_by_role("link", name=decliner.reference)).to_be_visible()
