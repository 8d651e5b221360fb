import pytest

from exchange.models import Comment, Idea
from exchange.scale import seed_exchange_scale
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_scale_call_has_the_ideas_and_comments_asked_for_spread_unevenly():
    MemberFactory.create_batch(50, searchable=False)
    call = seed_exchange_scale(ideas=40, comments=400)
    assert Idea.objects.filter(call=call).count() == 40
    assert Comment.objects.filter(idea__call=call).count() == 400
    counts = sorted((idea.comments.count() for idea in Idea.objects.filter(call=call)), reverse=True)
    assert counts[0] > 4 * counts[len(counts) // 2]
    again = seed_exchange_scale(ideas=10, comments=20)
    assert Idea.objects.filter(call__title=again.title).count() == 10
