"""The equality monitoring questions and their answers.

Wording and categories follow the 2021 census of England and Wales (with the
categories Scotland's and Northern Ireland's 2021 censuses use where they differ,
marked with the nation) and the NHS workforce standards (staff groups, Agenda for
Change bands). Every question can be answered "Prefer not to say"; leaving it
blank is recorded as not answered.

Each question also says how it is analysed: detailed answers are kept as given,
but the stage analysis groups them (`ANALYSIS_GROUPS`) into the broader categories
national statistics publish (e.g. the five high-level ethnic groups), so groups
are large enough to compare and small numbers are fewer.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PREFER_NOT = "prefer_not"
# The analysis key of a blank answer (the person skipped the question or never
# filled in the form).
NOT_ANSWERED = ""
PREFER_NOT_LABEL = _("Prefer not to say")
NOT_ANSWERED_LABEL = _("Not answered")


@dataclass(frozen=True)
class Question:
    field: str
    label: str
    hint: str
    # (value, label) pairs; optgroups as (group label, [(value, label), …]).
    choices: tuple
    # detailed answer -> analysis group key; groups named in `groups`.
    groups: tuple[tuple[str, str], ...] = ()
    group_of: dict | None = None
    # Professional background, not a protected characteristic.
    professional: bool = False
    widget: str = "radio"

    def flat_choices(self) -> list[tuple[str, str]]:
        flat = []
        for value, label in self.choices:
            if isinstance(label, (list, tuple)):
                flat.extend(label)
            else:
                flat.append((value, label))
        return flat

    def analysis_groups(self) -> list[tuple[str, str]]:
        """The categories the analysis compares, then "Prefer not to say" and
        "Not answered" (shown, never compared)."""
        groups = list(self.groups) if self.groups else [c for c in self.flat_choices() if c[0] != PREFER_NOT]
        return [*groups, (PREFER_NOT, PREFER_NOT_LABEL), (NOT_ANSWERED, NOT_ANSWERED_LABEL)]

    def group_for(self, answer: str) -> str:
        """The analysis group of a detailed answer."""
        if answer in (PREFER_NOT, NOT_ANSWERED) or not self.group_of:
            return answer or NOT_ANSWERED
        return self.group_of.get(answer, NOT_ANSWERED)


def _with_prefer_not(*choices) -> tuple:
    return (*choices, (PREFER_NOT, PREFER_NOT_LABEL))


ETHNIC_CHOICES = _with_prefer_not(
    (
        _("White"),
        [
            ("white_british", _("English, Welsh, Scottish, Northern Irish or British")),
            ("white_scottish", _("Scottish (Scotland)")),
            ("white_other_british", _("Other British (Scotland)")),
            ("white_irish", _("Irish")),
            ("white_gypsy_traveller", _("Gypsy or Irish Traveller")),
            ("white_irish_traveller", _("Irish Traveller (Northern Ireland)")),
            ("white_roma", _("Roma")),
            ("white_polish", _("Polish (Scotland)")),
            ("white_other", _("Any other White background")),
        ],
    ),
    (
        _("Mixed or Multiple ethnic groups"),
        [
            ("mixed_white_black_caribbean", _("White and Black Caribbean")),
            ("mixed_white_black_african", _("White and Black African")),
            ("mixed_white_asian", _("White and Asian")),
            ("mixed_other", _("Any other Mixed or Multiple ethnic background")),
        ],
    ),
    (
        _("Asian, Asian British, Asian Welsh, Asian Scottish or Asian Northern Irish"),
        [
            ("asian_indian", _("Indian")),
            ("asian_pakistani", _("Pakistani")),
            ("asian_bangladeshi", _("Bangladeshi")),
            ("asian_chinese", _("Chinese")),
            ("asian_filipino", _("Filipino (Northern Ireland)")),
            ("asian_other", _("Any other Asian background")),
        ],
    ),
    (
        _("Black, Black British, Black Welsh, Caribbean or African"),
        [
            ("black_caribbean", _("Caribbean")),
            ("black_african", _("African")),
            ("black_other", _("Any other Black, Black British or Caribbean background")),
        ],
    ),
    (
        _("Other ethnic group"),
        [
            ("other_arab", _("Arab")),
            ("other_any", _("Any other ethnic group")),
        ],
    ),
)
ETHNIC_GROUPS = (
    ("white", _("White")),
    ("mixed", _("Mixed or Multiple ethnic groups")),
    ("asian", _("Asian or Asian British")),
    ("black", _("Black, Black British, Caribbean or African")),
    ("other", _("Other ethnic group")),
)

SOCIO_ECONOMIC_CHOICES = _with_prefer_not(
    (
        "modern_professional",
        _(
            "Modern professional and traditional professional occupations, "
            "such as teacher, nurse, doctor, engineer, lawyer"
        ),
    ),
    (
        "senior_manager",
        _(
            "Senior, middle or junior managers or administrators, "
            "such as finance manager, office manager, retail manager"
        ),
    ),
    (
        "clerical",
        _(
            "Clerical and intermediate occupations, "
            "such as secretary, personal assistant, call centre agent, clerical worker"
        ),
    ),
    (
        "small_business",
        _(
            "Small business owners who employed fewer than 25 people, "
            "such as corner shop owner, small plumbing business owner"
        ),
    ),
    (
        "technical_craft",
        _("Technical and craft occupations, such as motor mechanic, plumber, printer, electrician, gardener"),
    ),
    (
        "routine",
        _(
            "Routine, semi-routine manual and service occupations, "
            "such as postal worker, machine operative, care worker, cleaner, porter"
        ),
    ),
    ("unemployed", _("Long-term unemployed (claimed unemployment benefit for more than a year)")),
    ("other", _("Retired, not applicable, or I don't know")),
)
SOCIO_ECONOMIC_GROUPS = (
    ("professional", _("Professional background")),
    ("intermediate", _("Intermediate background")),
    ("lower", _("Lower socio-economic background")),
    ("other", _("Other, not applicable or not known")),
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        field="age_band",
        label=_("What is your age?"),
        hint="",
        choices=_with_prefer_not(
            ("16_24", _("16 to 24")),
            ("25_34", _("25 to 34")),
            ("35_44", _("35 to 44")),
            ("45_54", _("45 to 54")),
            ("55_64", _("55 to 64")),
            ("65_over", _("65 or over")),
        ),
    ),
    Question(
        field="sex",
        label=_("What is your sex?"),
        hint=_("A question about gender identity follows."),
        choices=_with_prefer_not(("female", _("Female")), ("male", _("Male"))),
    ),
    Question(
        field="gender_identity_same",
        label=_("Is the gender you identify with the same as your sex registered at birth?"),
        hint="",
        choices=_with_prefer_not(("yes", _("Yes")), ("no", _("No"))),
    ),
    Question(
        field="ethnic_group",
        label=_("What is your ethnic group?"),
        hint=_(
            "The 2021 census categories for England and Wales, with those Scotland's and Northern Ireland's "
            "censuses add (marked with the nation)."
        ),
        choices=ETHNIC_CHOICES,
        groups=ETHNIC_GROUPS,
        group_of={
            value: value.split("_", 1)[0] for _group, options in ETHNIC_CHOICES[:-1] for value, _label in options
        },
        widget="select",
    ),
    Question(
        field="disability",
        label=_("Do you consider yourself to have a disability?"),
        hint=_(
            "The Equality Act 2010 defines disability as a physical or mental impairment that has a substantial "
            "and long-term adverse effect on your ability to carry out normal day-to-day activities."
        ),
        choices=_with_prefer_not(("yes", _("Yes")), ("no", _("No"))),
    ),
    Question(
        field="religion",
        label=_("What is your religion or belief?"),
        hint="",
        choices=_with_prefer_not(
            ("none", _("No religion")),
            ("christian", _("Christian (all denominations)")),
            ("buddhist", _("Buddhist")),
            ("hindu", _("Hindu")),
            ("jewish", _("Jewish")),
            ("muslim", _("Muslim")),
            ("sikh", _("Sikh")),
            ("other", _("Any other religion or belief")),
        ),
        widget="select",
    ),
    Question(
        field="sexual_orientation",
        label=_("Which of the following best describes your sexual orientation?"),
        hint="",
        choices=_with_prefer_not(
            ("heterosexual", _("Straight or heterosexual")),
            ("gay_lesbian", _("Gay or lesbian")),
            ("bisexual", _("Bisexual")),
            ("other", _("Another sexual orientation")),
        ),
    ),
    Question(
        field="caring",
        label=_(
            "Do you look after, or give any help or support to, anyone because they have long-term physical or "
            "mental health conditions or illnesses, or problems related to old age?"
        ),
        hint=_("Do not count anything you do as part of your paid employment."),
        choices=_with_prefer_not(
            ("no", _("No")),
            ("up_to_19", _("Yes, 19 hours or less a week")),
            ("20_to_49", _("Yes, 20 to 49 hours a week")),
            ("50_or_more", _("Yes, 50 or more hours a week")),
        ),
        groups=(("no", _("No caring responsibilities")), ("yes", _("Caring responsibilities"))),
        group_of={"no": "no", "up_to_19": "yes", "20_to_49": "yes", "50_or_more": "yes"},
    ),
    Question(
        field="socio_economic",
        label=_(
            "Think back to when you were aged about 14. Which best describes the sort of work the main or "
            "highest income earner in your household did in their main job?"
        ),
        hint=_("The Social Mobility Commission's measure of socio-economic background."),
        choices=SOCIO_ECONOMIC_CHOICES,
        groups=SOCIO_ECONOMIC_GROUPS,
        group_of={
            "modern_professional": "professional",
            "senior_manager": "professional",
            "clerical": "intermediate",
            "small_business": "intermediate",
            "technical_craft": "lower",
            "routine": "lower",
            "unemployed": "lower",
            "other": "other",
        },
    ),
    Question(
        field="staff_group",
        label=_("Which staff group do you work in?"),
        hint=_("The NHS workforce staff groups; choose the nearest if you work outside the NHS."),
        choices=_with_prefer_not(
            ("medical_dental", _("Medical and dental")),
            ("nursing_midwifery", _("Nursing and midwifery")),
            ("allied_health", _("Allied health professionals")),
            ("scientific_technical", _("Healthcare scientists, scientific, therapeutic and technical staff")),
            ("ambulance", _("Ambulance staff")),
            ("clinical_support", _("Support to clinical staff")),
            ("admin_estates", _("Administrative, clerical, estates and ancillary staff")),
            ("managers", _("Managers and senior managers")),
            ("research_policy", _("Research, academia or policy")),
            ("not_employed", _("Not working in health or care (for example a patient leader or carer)")),
        ),
        professional=True,
        widget="select",
    ),
    Question(
        field="band",
        label=_("What is your band or grade?"),
        hint=_("Agenda for Change band, or the nearest equivalent outside the NHS."),
        choices=_with_prefer_not(
            ("band_1_4", _("Bands 1 to 4")),
            ("band_5", _("Band 5")),
            ("band_6", _("Band 6")),
            ("band_7", _("Band 7")),
            ("band_8a", _("Band 8a")),
            ("band_8b_8d", _("Bands 8b to 8d")),
            ("band_9_vsm", _("Band 9 or very senior manager")),
            ("medical_consultant", _("Medical or dental consultant")),
            ("medical_other", _("Other medical or dental grade")),
            ("not_applicable", _("Not applicable")),
        ),
        professional=True,
        widget="select",
    ),
    Question(
        field="sector",
        label=_("Which sector do you mainly work in?"),
        hint="",
        choices=_with_prefer_not(
            ("nhs_provider", _("NHS provider (hospital, community, mental health, ambulance or primary care)")),
            ("nhs_national", _("NHS commissioner, national or arm's-length body")),
            ("social_care", _("Local government or social care")),
            ("voluntary", _("Voluntary, community or independent sector")),
            ("academia", _("University or research")),
            ("other", _("Another sector, or not working")),
        ),
        professional=True,
    ),
    Question(
        field="patient_carer",
        label=_("Do you bring the perspective of a patient, service user or carer?"),
        hint="",
        choices=_with_prefer_not(("yes", _("Yes")), ("no", _("No"))),
        professional=True,
    ),
)

QUESTIONS_BY_FIELD = {question.field: question for question in QUESTIONS}
CHARACTERISTICS = tuple(question.field for question in QUESTIONS)


def characteristic_label(field: str) -> str:
    return {
        "age_band": _("Age band"),
        "sex": _("Sex"),
        "gender_identity_same": _("Gender identity the same as sex registered at birth"),
        "ethnic_group": _("Ethnic group"),
        "disability": _("Disability"),
        "religion": _("Religion or belief"),
        "sexual_orientation": _("Sexual orientation"),
        "caring": _("Caring responsibilities"),
        "socio_economic": _("Socio-economic background"),
        "staff_group": _("Staff group"),
        "band": _("Band or grade"),
        "sector": _("Sector"),
        "patient_carer": _("Patient or carer perspective"),
    }[field]
