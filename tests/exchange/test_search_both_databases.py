"""The idea search asks which database it is on (exchange/selectors.py `call_ideas`:
PostgreSQL full text, SQLite a plain match): the same ideas are found on both."""

import pytest

from exchange.choices import Stage
from exchange.selectors import IdeaFilters, call_ideas
from tests.factories.exchange import CallFactory, IdeaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


def test_search_finds_ideas_by_a_word_of_their_title_problem_or_skills_on_either_database():
    call = CallFactory(stage=Stage.REFINEMENT)
    IdeaFactory(call=call, title="Virtual wards", problem="Beds are full.", skills_wanted="statistics")
    IdeaFactory(call=call, title="Falls prevention", problem="Falls at night on older people's wards.")

    def found(query):
        return sorted(idea.title for idea in call_ideas(call=call, filters=IdeaFilters(query=query)))

    assert found("falls") == ["Falls prevention"]
    assert found("statistics") == ["Virtual wards"]
    assert found("night") == ["Falls prevention"]
    assert found("nothing-like-this") == []
