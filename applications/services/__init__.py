"""Every state change in recruitment, one module per part: rounds, applications,
updates. Import from the submodule: `from applications.services.rounds import round_transition`."""
