"""Read queries for recruitment pages, one module per part: rounds, applications,
updates. Import from the submodule: `from applications.selectors.rounds import rounds_for_programme`."""
