"""Loaded by `make mutation` only (`-p tests.mutation_plugin` in pyproject's
`[tool.mutmut]`): mutmut runs many pytest sessions in one process and its forks,
and a transactional test in one session recreates the content types under new
ids, so the cache a later fork inherits points at rows that are gone. Each test
starts with an empty cache instead."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_content_types():
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
