import threading

import pytest
from django.db import connection

from exchange.choices import Stage
from exchange.models import Proposal
from exchange.services import proposal_start
from q_portal.exceptions import PortalError
from tests.factories.exchange import CallFactory, IdeaFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_lead_proposal_per_member_per_call_when_both_ideas_start_at_once():
    call = CallFactory(stage=Stage.PROPOSALS)
    lead = MemberFactory()
    ideas = [IdeaFactory(call=call, lead=lead) for _ in range(4)]
    barrier = threading.Barrier(len(ideas))
    started, refused, failures = [], [], []

    def start(idea):
        try:
            barrier.wait(timeout=30)
            started.append(proposal_start(idea=idea, member=lead, by=lead.user).idea_id)
        except PortalError:
            refused.append(idea.pk)
        except Exception as error:  # reported by the assertion below
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=[idea]) for idea in ideas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(started) == 1
    assert len(refused) == len(ideas) - 1
    assert list(Proposal.objects.filter(call=call).values_list("idea_id", flat=True)) == started
