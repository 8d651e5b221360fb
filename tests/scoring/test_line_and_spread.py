from scoring.line import close_to_call, line_after
from scoring.model import Estimate
from scoring.spread import criterion_spread, needs_moderation


def estimate(score, error):
    return Estimate(score=score, low=score - 2 * error, high=score + 2 * error, standard_error=error, reviews=3)


def test_the_line_falls_after_the_places_and_the_close_ones_are_those_within_one_error():
    estimates = {1: estimate(9.0, 0.5), 2: estimate(8.0, 0.5), 3: estimate(7.8, 0.5), 4: estimate(5.0, 0.5)}
    line = line_after([1, 2, 3, 4], estimates, places=2)
    assert line == 8.0
    assert close_to_call(estimates, line=line) == {2, 3}
    assert line_after([1, 2], estimates, places=0) is None


def test_spread_is_the_largest_range_on_one_criterion_and_moderation_follows_it():
    assert criterion_spread([{"a": 1, "b": 3}, {"a": 4, "b": 3}, {"a": 2}]) == 3
    assert criterion_spread([{"a": 2}]) == 0
    assert needs_moderation(spread=3, threshold=2, done=2, expected=2, moderated=False)
    assert needs_moderation(spread=0, threshold=2, done=1, expected=2, moderated=False)
    assert not needs_moderation(spread=3, threshold=2, done=2, expected=2, moderated=True)
