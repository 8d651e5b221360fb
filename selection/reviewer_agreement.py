"""The confidentiality and conflicts agreement a reviewer accepts once per round
before the first application of that round opens. What they accepted is kept
with its version: change the wording, change the version, so every acceptance
says which words it was."""

from django.utils.translation import gettext_lazy as _

VERSION = "2026-1"

TITLE = _("Confidentiality and conflicts of interest")

PROMISES = (
    _("I will keep what I read in applications confidential: I will not share, copy or discuss it outside the panel."),
    _("I will not try to find out who a blind application is from."),
    _(
        "I will declare a conflict of interest as soon as I see one: if I know the applicant, have worked with them, "
        "manage them or nominated them."
    ),
    _("I will step aside from an application I cannot judge fairly, saying why."),
    _("I will score each application on its own answers, against the criteria and the rubric."),
)
