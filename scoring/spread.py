"""Disagreement between reviewers of one application, as a pure function: the
rule behind "needs moderation" (selection computes it in SQL in
`selection.services.scores`; the exchange panel, with a few hundred proposals,
in Python through this)."""

from collections.abc import Iterable, Mapping


def criterion_spread(score_sets: Iterable[Mapping[str, int]]) -> int:
    """The largest range between reviewers on any one criterion (by letter):
    0 with fewer than two reviews of a criterion."""
    by_letter: dict[str, list[int]] = {}
    for scores in score_sets:
        for letter, score in scores.items():
            if score is not None:
                by_letter.setdefault(letter, []).append(int(score))
    return max((max(values) - min(values) for values in by_letter.values() if len(values) > 1), default=0)


def needs_moderation(*, spread: int, threshold: int, done: int, expected: int, moderated: bool) -> bool:
    """Until a moderator's review is in: the reviewers differ on a criterion by
    at least `threshold`, or fewer reviews are done than expected."""
    if moderated:
        return False
    return spread >= threshold or done < expected
