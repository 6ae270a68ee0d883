"""Text material for the demo data set (portal/demo.py): names, places and item templates.

Everything here is made up except the places: real postcode districts, roads, hospitals
and boroughs of south-west London and Harrow. Templates are filled with ``str.format_map``
from the slots that ``portal.demo`` builds for each item; each agency kind writes in its
own voice.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- people ----------------------------------------------------------------------------------

FIRST_NAMES = (
    "Abena",
    "Alan",
    "Amara",
    "Andrew",
    "Angela",
    "Bernadette",
    "Bola",
    "Catherine",
    "Chloe",
    "Colin",
    "Deborah",
    "Dimitri",
    "Elaine",
    "Farah",
    "Gavin",
    "Grace",
    "Hannah",
    "Imran",
    "Irene",
    "Jasmine",
    "Joseph",
    "Karen",
    "Kieran",
    "Lakshmi",
    "Leon",
    "Mandeep",
    "Marek",
    "Maureen",
    "Michelle",
    "Nadia",
    "Nikhil",
    "Olu",
    "Patricia",
    "Paul",
    "Rachel",
    "Rashid",
    "Rosa",
    "Samantha",
    "Sean",
    "Shirin",
    "Simone",
    "Stephen",
    "Tariq",
    "Teresa",
    "Vikram",
    "Wendy",
    "Yvonne",
    "Zainab",
)
SURNAMES = (
    "Adeyemi",
    "Ahmed",
    "Ansah",
    "Barker",
    "Bhatt",
    "Boateng",
    "Brennan",
    "Campbell",
    "Chowdhury",
    "Costa",
    "Da Silva",
    "Dhillon",
    "Duffy",
    "Edwards",
    "Evans",
    "Fernandes",
    "Gallagher",
    "Gordon",
    "Hall",
    "Hussain",
    "Ivanova",
    "Jackson",
    "Joseph",
    "Kaur",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Morgan",
    "Murphy",
    "Nair",
    "Novak",
    "O'Connor",
    "Okonkwo",
    "Osei",
    "Pereira",
    "Popescu",
    "Quinn",
    "Rahman",
    "Reid",
    "Robinson",
    "Santos",
    "Shah",
    "Singh",
    "Stewart",
    "Thompson",
    "Varga",
    "Walsh",
    "Williams",
    "Yusuf",
)

# --- places ----------------------------------------------------------------------------------

#: district -> (weight, [(local authority, weight)], [localities], post town, [roads]).
DISTRICTS: dict[str, tuple[int, list[tuple[str, int]], list[str], str, list[str]]] = {
    "SW19": (
        14,
        [("Merton", 8), ("Wandsworth", 2)],
        ["Wimbledon", "Colliers Wood", "South Wimbledon"],
        "London",
        [
            "Worple Road",
            "Hartfield Road",
            "Haydons Road",
            "Kingston Road",
            "Alexandra Road",
            "Merton Road",
            "Durnsford Road",
            "Queens Road",
            "Arthur Road",
            "High Street Colliers Wood",
        ],
    ),
    "SW20": (
        6,
        [("Merton", 1)],
        ["Raynes Park", "West Wimbledon", "Merton Park"],
        "London",
        [
            "Coombe Lane",
            "Bushey Road",
            "Grand Drive",
            "Lower Downs Road",
            "Pepys Road",
            "Cottenham Park Road",
        ],
    ),
    "SW17": (
        9,
        [("Wandsworth", 7), ("Merton", 3)],
        ["Tooting", "Summerstown", "Furzedown"],
        "London",
        [
            "Mitcham Road",
            "Longley Road",
            "Franciche Road",
            "Garratt Lane",
            "Totterdown Street",
            "Blackshaw Road",
            "Upper Tooting Road",
        ],
    ),
    "SW16": (
        5,
        [("Croydon", 1)],
        ["Norbury", "Streatham Vale", "Pollards Hill"],
        "London",
        [
            "Green Lane",
            "Northborough Road",
            "Stanford Road",
            "Norbury Avenue",
            "Gleneagle Road",
            "London Road",
        ],
    ),
    "CR4": (
        12,
        [("Merton", 1)],
        ["Mitcham", "Pollards Hill", "Eastfields"],
        "Mitcham",
        [
            "London Road",
            "Western Road",
            "Commonside East",
            "Church Road",
            "Streatham Road",
            "Eastfields Road",
            "Miller Road",
            "Cranmer Road",
        ],
    ),
    "SM4": (
        8,
        [("Merton", 1)],
        ["Morden", "Lower Morden", "St Helier"],
        "Morden",
        [
            "London Road",
            "Central Road",
            "Green Lane",
            "Martin Way",
            "Lower Morden Lane",
            "Aberconway Road",
        ],
    ),
    "SM5": (
        6,
        [("Sutton", 1)],
        ["Carshalton", "The Wrythe", "Carshalton Beeches"],
        "Carshalton",
        [
            "Carshalton Road",
            "Wrythe Lane",
            "Stanley Park Road",
            "Beynon Road",
            "Park Lane",
            "Green Wrythe Lane",
        ],
    ),
    "KT3": (
        5,
        [("Kingston upon Thames", 1)],
        ["New Malden", "Motspur Park"],
        "New Malden",
        [
            "Burlington Road",
            "Malden Road",
            "Kingston Road",
            "Coombe Road",
            "Thetford Road",
            "Blakes Lane",
        ],
    ),
    "KT4": (
        4,
        [("Sutton", 1)],
        ["Worcester Park", "Cuddington"],
        "Worcester Park",
        ["Central Road", "Cheam Common Road", "The Avenue", "Longfellow Road", "Browning Avenue"],
    ),
    "HA0": (
        6,
        [("Brent", 1)],
        ["Wembley", "Sudbury", "Alperton"],
        "Wembley",
        [
            "Ealing Road",
            "Harrow Road",
            "East Lane",
            "Bridgewater Road",
            "Sudbury Court Drive",
            "Watford Road",
        ],
    ),
    "HA1": (
        9,
        [("Harrow", 1)],
        ["Harrow", "Northwick Park", "Greenhill"],
        "Harrow",
        [
            "Station Road",
            "Sheepcote Road",
            "Pinner Road",
            "Lowlands Road",
            "Bessborough Road",
            "Kenton Road",
            "Butler Road",
        ],
    ),
    "HA2": (
        6,
        [("Harrow", 1)],
        ["South Harrow", "Rayners Lane", "Roxeth"],
        "Harrow",
        [
            "Northolt Road",
            "Alexandra Avenue",
            "Roxeth Hill",
            "Eastcote Lane",
            "Malvern Avenue",
            "Village Way East",
        ],
    ),
    "HA3": (
        8,
        [("Harrow", 5), ("Brent", 1)],
        ["Wealdstone", "Kenton", "Harrow Weald"],
        "Harrow",
        [
            "High Road",
            "Kenton Lane",
            "Locket Road",
            "Christchurch Avenue",
            "Long Elmes",
            "Uxbridge Road",
            "Kenton Road",
        ],
    ),
    "HA5": (
        6,
        [("Harrow", 7), ("Hillingdon", 3)],
        ["Pinner", "Hatch End", "Eastcote"],
        "Pinner",
        [
            "Bridge Street",
            "Marsh Road",
            "Elm Park Road",
            "Cannon Lane",
            "Field End Road",
            "Uxbridge Road",
        ],
    ),
    "HA7": (
        5,
        [("Harrow", 1)],
        ["Stanmore", "Canons Park"],
        "Stanmore",
        [
            "Honeypot Lane",
            "Old Church Lane",
            "London Road",
            "Uxbridge Road",
            "Gordon Avenue",
            "Stanmore Hill",
        ],
    ),
    "HA8": (
        6,
        [("Barnet", 3), ("Harrow", 2)],
        ["Edgware", "Burnt Oak", "Canons Park"],
        "Edgware",
        [
            "Edgware Way",
            "Station Road",
            "Hale Lane",
            "Whitchurch Lane",
            "Deansbrook Road",
            "Mollison Way",
        ],
    ),
}
NORTH_DISTRICTS = ("HA0", "HA1", "HA2", "HA3", "HA5", "HA7", "HA8")
HOSPITALS = {
    "south": (
        "St George's Hospital",
        "St Helier Hospital",
        "Croydon University Hospital",
        "Kingston Hospital",
    ),
    "north": ("Northwick Park Hospital", "Central Middlesex Hospital", "Hillingdon Hospital"),
}
LANDMARKS = {
    "south": (
        "Wimbledon station",
        "Morden Hall Park",
        "Mitcham Common",
        "Colliers Wood station",
        "Tooting Broadway",
        "Figge's Marsh",
    ),
    "north": (
        "Harrow-on-the-Hill station",
        "Stanmore Common",
        "Pinner High Street",
        "Canons Park",
        "Wealdstone High Street",
        "Kenton Recreation Ground",
    ),
}
AREAS = {
    "south": (
        "Mitcham",
        "Morden",
        "Wimbledon",
        "Colliers Wood",
        "Raynes Park",
        "Pollards Hill",
        "St Helier",
        "Tooting",
    ),
    "north": (
        "Wealdstone",
        "Rayners Lane",
        "Kenton",
        "Harrow Weald",
        "South Harrow",
        "Pinner",
        "Edgware",
        "Stanmore",
    ),
}
NEIGHBOURS = {
    "south": ("Sutton", "Wandsworth", "Croydon", "Kingston upon Thames", "Lambeth"),
    "north": ("Brent", "Barnet", "Hillingdon", "Ealing"),
}

# --- provider names ----------------------------------------------------------------------------

STEMS = (
    "Cedar",
    "Oak",
    "Willow",
    "Beech",
    "Rowan",
    "Elm",
    "Hawthorn",
    "Larch",
    "Maple",
    "Chestnut",
    "Holly",
    "Birch",
    "Laurel",
    "Magnolia",
    "Juniper",
    "Linden",
    "Brightwater",
    "Meadowbank",
    "Fairhaven",
    "Riverside",
    "Parkview",
    "Hillcrest",
    "Greenacres",
    "Ashgrove",
    "Springfield",
    "Lavender",
    "Primrose",
    "Bluebell",
    "Kingsmead",
    "Heathside",
    "Woodlands",
    "Ferndale",
    "Millbrook",
    "Elmstead",
    "Orchard",
    "Sycamore",
    "Foxglove",
    "Harewood",
    "Wandle",
    "Cannizaro",
    "Ravensbury",
    "Canons",
    "Bentley",
    "Weald",
    "Northwick",
    "Headstone",
    "Sudbury",
    "Belmont",
    "Copse Hill",
    "Cottenham",
    "Morden Park",
    "Cranmer",
    "Grosvenor",
    "Kenmore",
    "Lyndhurst",
    "Marlborough",
    "Nightingale",
    "Pembroke",
    "Rosemount",
    "Silverdale",
    "Thornbury",
    "Westbury",
)
SAINTS = (
    "St. George’s",
    "St George's",
    "St Anne's",
    "St. Catherine’s",
    "St Mary's",
    "St John's",
    "St. Margaret's",
    "St Luke’s",
    "St Helen's",
    "St. Barnabas",
)
KIND_WORDS = (
    "Caring",
    "Gentle",
    "Helping",
    "Golden",
    "Trusted",
    "Kindred",
    "Willing",
    "Homely",
    "Steady",
)
NAME_PATTERNS = {
    "care-home": (
        "{stem} Lodge",
        "{stem} House",
        "{stem} Court Care Home",
        "The {stem}s",
        "{stem} Residential Home",
        "{saint} Care Home",
        "{stem} Lodge Care Home",
        "{stem} Villa",
        "{stem} House (Residential)",
    ),
    "care-home-nursing": (
        "{stem} Nursing Home",
        "{stem} Care Centre",
        "{saint} Nursing Home",
        "{stem} House Nursing Home",
        "{stem} Park Care Home",
        "{stem} Manor Nursing & Residential Home",
    ),
    "domiciliary": (
        "{stem} Home Care Ltd",
        "{stem} Homecare",
        "{kind} Hands Care Services",
        "{kind} Care at Home – {place}",
        "{stem} Community Care Ltd.",
        "{place} Home Care Ltd",
        "{kind} Hearts Homecare ({place})",
        "{stem} Care & Support Services",
    ),
    "supported-living": (
        "{stem} Supported Living",
        "{num} {road}",
        "{stem} Community Support",
        "{stem} House Supported Living Service",
        "{stem} Lifestyles",
    ),
    "extra-care": ("{stem} Court Extra Care", "{stem} Gardens", "{stem} Court"),
    "shared-lives": ("{stem} Shared Lives", "{place} Shared Lives Scheme"),
}
#: Organisations running several locations: (name, "home" | "dom" | "sl").
GROUPS = (
    ("Meadowbank Healthcare Ltd", "home"),
    ("Greenhill Care Group Ltd", "home"),
    ("Kingsmead Care Homes Ltd", "home"),
    ("Orchid Community Care Ltd", "dom"),
    ("Silverline Support Services Ltd", "sl"),
    ("Harbour Healthcare (London) Ltd", "home"),
    ("Thameside Care Ltd", "dom"),
    ("Northgate Supported Living CIC", "sl"),
    ("Lavender Lane Care Ltd", "home"),
    ("Evergreen Lifestyle Care Ltd", "sl"),
    ("Beacon Homecare Ltd", "dom"),
    ("Primrose Care Partnership LLP", "home"),
)
ORG_SUFFIXES = (" Care Ltd", " Healthcare Ltd", " Ltd", " Care Services Ltd", " Limited")

# --- item slots ------------------------------------------------------------------------------

MEDICINES = (
    "Warfarin",
    "Apixaban",
    "Lorazepam",
    "insulin",
    "Oxycodone",
    "Morphine sulphate",
    "Fentanyl patches",
    "Levetiracetam",
    "Co-careldopa",
    "Donepezil",
    "Quetiapine",
    "Haloperidol",
    "Furosemide",
    "Levothyroxine",
    "Metformin",
    "Sodium valproate",
    "Risperidone",
    "Co-codamol",
)
STAFF_ROLES = {
    "home": (
        "senior carer",
        "night care assistant",
        "agency nurse",
        "nurse in charge",
        "deputy manager",
        "team leader",
        "care assistant",
    ),
    "dom": ("care worker", "field supervisor", "care coordinator", "senior care worker"),
    "sl": ("support worker", "team leader", "service manager", "night support worker"),
}
SETTING_WORDS = {
    "home": {
        "people": "residents",
        "person_noun": "resident",
        "service": "the home",
        "staff": "care staff",
    },
    "dom": {
        "people": "people who receive care",
        "person_noun": "client",
        "service": "the agency",
        "staff": "care workers",
    },
    "sl": {
        "people": "tenants",
        "person_noun": "tenant",
        "service": "the service",
        "staff": "support workers",
    },
}
FLOORS = ("ground floor", "first floor", "second floor", "dementia unit", "nursing unit")
SITES = ("sacrum", "left heel", "right heel", "right hip", "coccyx", "left buttock")
RELATIVES = ("daughter", "son", "niece", "husband", "wife", "granddaughter", "nephew")
SHIFTS = ("at night", "at weekends", "at mealtimes", "in the early mornings")
INFECTIONS = ("COVID-19", "influenza A", "scabies")
ORDINALS = ("second", "third", "fourth")

# --- closing sentences, appended where a template has {closer} -------------------------------

CLOSERS = {
    "council": (
        "The provider has been asked to send an action plan by {deadline}.",
        "A follow-up visit is booked for the week of {deadline}.",
        "Brokerage have been told; placements continue, with extra checks before each one.",
        "To be raised at the next contract review meeting.",
        "Shared with the placing authorities of people funded by other boroughs.",
        "Feedback given to the manager at the end of the visit; written report to follow.",
    ),
}

# --- handling conditions (code C) and other short texts ------------------------------------

CONDITIONS = {
    "council": (
        "Not to be shared with the provider while enquiries are ongoing.",
        "Share with placing authorities only; not for onward circulation.",
    ),
    "cqc": (
        "Not to be shared with the provider until CQC has completed its assessment.",
        "Not for disclosure outside the group before CQC has decided on its response.",
    ),
    "nhs": (
        "Contains patient-identifiable information: share with safeguarding leads only.",
        "Do not share with the provider until the ICB has discussed it with them.",
    ),
    "police": (
        "Not to be shared with the provider without MPS agreement.",
        "Live investigation: no disclosure outside the group without the agreement of the "
        "officer in the case.",
    ),
    "healthwatch": ("Do not share the name of the person who told us with the provider.",),
}
WITHDRAW_REASONS = (
    "Duplicate of an entry already logged by a colleague.",
    "Logged against the wrong location; re-entered against the correct provider.",
    "Information found to be inaccurate after follow-up with the family.",
    "Allegation retracted by the person who made it; no further action.",
)
#: (what changes, reason, sentence added to the body or "").
EDITS = (
    (
        "likelihood+",
        "Likelihood raised: a similar incident has been reported since.",
        "Update {upd}: a further, similar incident has been reported since this entry was logged.",
    ),
    (
        "impact-",
        "Impact lowered: the injury was less serious than first reported.",
        "Update {upd}: the hospital has confirmed the injury was less serious than first reported.",
    ),
    (
        "text",
        "Clarified who raised the concern and when.",
        "Clarification: the concern was first raised by the family, not by staff, on {date}.",
    ),
    (
        "text",
        "Added the provider's response.",
        "Update {upd}: the provider has responded and accepts the account given above.",
    ),
    ("marking", "Marking lowered with the originating officer's agreement.", ""),
)


# --- item templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One kind of intelligence item, written in one agency kind's voice."""

    kinds: tuple[str, ...]
    settings: tuple[str, ...]
    key_question: str
    themes: tuple[str, ...]
    severity: int  # 0 reassuring ... 3 serious
    titles: tuple[str, ...]
    body: str
    sharing: str = ""  # "sensitive": police-only detail; "public": already published


ALL = ("home", "dom", "sl")


def _t(kinds, settings, kq, themes, sev, titles, body, sharing="") -> Template:  # noqa: ANN001
    settings = ALL if settings == "any" else tuple(settings.split())
    return Template(
        tuple(kinds.split()),
        settings,
        kq,
        tuple(themes.split()),
        sev,
        tuple(titles),
        " ".join(body.split()),
        sharing,
    )


TEMPLATES: tuple[Template, ...] = (
    # --- councils: contract monitoring, quality assurance, safeguarding -------------------
    _t(
        "council",
        "home",
        "safe",
        "medication record-keeping",
        2,
        ["Medication audit: gaps in MAR charts", "MAR gaps and {med} stock discrepancy"],
        """Unannounced contract monitoring visit on {date}. We audited the medication
       administration records (MAR) for {n3} residents on the {floor}. There were {n2}
       unexplained gaps in signatures over the previous fortnight, and the stock count for
       {res}'s {med} did not match the MAR (room {room}). The {staff_role} on duty could not
       say whether the missed doses had been given. Topical cream charts were not in use. The
       controlled drugs register was in order. {closer}""",
    ),
    _t(
        "council",
        "dom",
        "responsive",
        "missed-visits",
        2,
        [
            "Call monitoring: punctuality below contract",
            "ECM data show late and missed calls in {month}",
        ],
        """Electronic call monitoring data for {month} show that only {pct}% of visits started
       within 30 minutes of the planned time, against the contract standard of 90%. {n_missed}
       visits were not logged at all; the provider says most of these were delivered but not
       logged because carers' phones were out of charge. Average time on double-handed calls
       was {mins_dbl} minutes against 45 commissioned. {res}, who is {age} and lives alone, had
       no lunchtime call on {day}. {closer}""",
    ),
    _t(
        "council",
        "dom",
        "safe",
        "missed-visits safeguarding",
        3,
        ["Missed visit: {res} found on the floor by family", "Missed morning call to {res}"],
        """{res} ({age}) has four calls a day. The morning call on {day} {date} did not happen
       and the office did not notice. {res}'s {relative} arrived at {time} and found {them} on
       the bedroom floor, incontinent and cold; the London Ambulance Service took {them} to
       {hospital}. The coordinator told us the carer had been moved to cover sickness and the
       call 'dropped off' the schedule. A safeguarding concern has been raised and the provider
       has been asked for a full account within 48 hours.""",
    ),
    _t(
        "council",
        "any",
        "safe",
        "safeguarding",
        3,
        [
            "Section 42 enquiry: unexplained bruising to {res}",
            "Safeguarding: bruising to {res}'s arms",
        ],
        """A Section 42 enquiry has been opened after {res}'s {relative} raised concerns about
       bruising to both forearms and the back of the left hand, noticed on {date}. Body maps
       were not completed and there is no incident record. The {staff_role} said the bruising
       may have come from a hoist transfer, but the care plan says {res} transfers with the
       help of one person. The {council} safeguarding team is leading; the provider has been
       asked to investigate and share its findings with us by {deadline}.""",
    ),
    _t(
        "council",
        "home",
        "safe",
        "staffing",
        2,
        [
            "High use of agency staff on nights",
            "Rota review: {agency_pct}% of night shifts by agency staff",
        ],
        """Review of the last four weeks' rotas at the monitoring visit on {date}:
       {agency_pct}% of night shifts were covered by agency staff, many not regular to the
       home. On {n} nights there was one permanent member of staff on duty across both floors.
       Agency profiles were on file for only {n2} of the {n3} agency workers used, and there was
       no evidence of induction. The manager says recruitment is under way for senior care
       posts. {closer}""",
    ),
    _t(
        "council",
        "any",
        "well-led",
        "finance staffing",
        2,
        ["Care workers report unpaid wages", "Staff say {month} wages were paid late"],
        """{N} {staff} contacted the council's brokerage team this week to say their {month}
       wages had not been paid on the usual date, and that this has happened before. One said
       she had been told to 'wait until the council pays its invoices'. Our payments to the
       provider are up to date. The director told us it was a problem with a new payroll
       system and that everyone would be paid by Friday. We have asked for confirmation once
       payment is made. Possible sign of financial difficulty.""",
    ),
    _t(
        "council",
        "any",
        "well-led",
        "finance",
        2,
        ["Provider behind on PAYE payments to HMRC", "Financial viability: HMRC arrears disclosed"],
        """At the quarterly contract review on {date} the finance director said the company is
       {months} months behind with PAYE and National Insurance payments to HMRC (about
       £{amount}) and has applied for a time-to-pay arrangement. The latest filed accounts show
       net current liabilities. The provider holds {n_packages} council-funded packages or
       placements. Market management have been asked to review business continuity
       arrangements and the provider's contingency plan. To be kept under monthly review.""",
    ),
    _t(
        "council",
        "dom",
        "well-led",
        "finance missed-visits",
        3,
        [
            "Provider handing back care packages at short notice",
            "{n_packages} packages handed back",
        ],
        """The provider gave notice on {date} that it will hand back {n_packages} packages of
       care within 14 days, most of them in the {area} area, citing the loss of {n3} care
       workers whose visas were sponsored by the company. Brokerage is looking for other
       providers; {n} people with complex needs are proving hard to place. The provider has
       not answered our question about whether it can keep delivering the remaining packages
       safely. Business continuity risk: escalated to the head of commissioning.""",
    ),
    _t(
        "council",
        "home",
        "effective",
        "deprivation-of-liberty",
        2,
        [
            "DoLS authorisations lapsed without renewal",
            "Deprivation of liberty: {n} residents without authorisation",
        ],
        """Checking DoLS records at the monitoring visit on {date}, we found that standard
       authorisations for {n} residents had expired between {n2} and {n3} weeks ago and no
       renewal applications had gone to the supervisory body. One resident, {res}, has a
       keypad lock on the unit door and bed rails in use with no recorded best-interests
       decision. The deputy manager did not know renewals were her responsibility.
       Applications have since been sent. {closer}""",
    ),
    _t(
        "council",
        "any",
        "well-led",
        "leadership",
        2,
        ["Registered manager has left", "Change of management: no registered manager in post"],
        """We were told at the monitoring visit that the registered manager left {service} on
       {date2}. The deputy, in post for {months} months, is acting up and there is no plan yet
       to register a new manager with CQC. Staff told us morale is low and that they do not
       know who to go to with problems. Supervision records stop in {month2}. We have asked the
       nominated individual for an interim management plan and a timescale for
       registration.""",
    ),
    _t(
        "council",
        "home",
        "responsive",
        "complaints",
        1,
        [
            "Family complaint: lost clothing and belongings",
            "Complaint about laundry and missing items",
        ],
        """{res}'s {relative} complained to us after an earlier complaint to the home went
       unanswered for {weeks} weeks. The family say clothing, a wedding ring and hearing aids
       have gone missing since {res} moved in, and that {res} has been dressed in other
       people's clothes. The provider's complaints log records the complaint but no response
       or investigation. We have asked the provider to reply to the family in writing and to
       send us a copy.""",
    ),
    _t(
        "council",
        "home",
        "safe",
        "environment",
        2,
        ["Fire safety: fire doors wedged open", "Fire doors propped open and fire drills overdue"],
        """At the monitoring visit on {date} we found fire doors wedged open with chairs on the
       {floor} and the closer on the kitchen door disconnected. The fire risk assessment is
       dated {year} and the last recorded fire drill involving night staff was in {month2}.
       Personal emergency evacuation plans were missing for {n} residents, including {res},
       who is cared for in bed. We have told the London Fire Brigade's fire safety team and
       asked the provider to put this right at once.""",
    ),
    _t(
        "council",
        "home",
        "effective",
        "nutrition record-keeping",
        2,
        ["Food and fluid charts incomplete", "Fluid intake not recorded for residents at risk"],
        """Food and fluid charts for {n} residents assessed as at risk of malnutrition were
       reviewed on {date}. Entries were missing for long periods, several charts had no daily
       total and none recorded a target intake. {res}'s chart showed {ml} ml in 24 hours with
       no action taken. MUST scores had not been updated for {weeks} weeks and {res2} has lost
       {kg} kg since {month2}. A referral to the dietitian has been made at our request.""",
    ),
    _t(
        "council",
        "any",
        "well-led",
        "leadership",
        0,
        [
            "Follow-up visit: action plan largely completed",
            "Improvements at follow-up monitoring visit",
        ],
        """Follow-up contract monitoring visit on {date} to check progress against the action
       plan agreed in {month2}. {done} of {total} actions are complete. Care plans have been
       rewritten in a person-centred format, supervision is up to date and the new manager
       holds a short daily 'flash' meeting. Still outstanding: positive behaviour support
       training for {n2} staff. No new concerns. We will reduce monitoring to quarterly if
       progress is sustained.""",
    ),
    _t(
        "council",
        "any",
        "safe",
        "medication safeguarding",
        1,
        ["Medication error reported by the provider", "Provider self-referral: missed {med} doses"],
        """The provider raised a safeguarding concern about itself after {res} was not given
       {med} for {n} days when the prescription changed after a hospital stay. The error was
       found by the {staff_role} during a weekly stock check. The GP was contacted and no harm
       is reported. The provider has changed how discharge letters are checked and by whom.
       Proportionate response; no Section 42 enquiry needed. Recorded for the pattern.""",
    ),
    _t(
        "council",
        "any",
        "effective",
        "training",
        1,
        ["Mandatory training compliance low", "Training matrix shows {pct}% compliance"],
        """The training matrix sent for the contract review shows overall mandatory training
       compliance of {pct}%. Safeguarding adults training is out of date for {n3} staff,
       moving and handling for {n2}, and few staff have had training in the Mental Capacity
       Act. Several new starters are working alone before finishing the Care Certificate. The
       provider says face-to-face sessions are booked for {month_next}. {closer}""",
    ),
    _t(
        "council",
        "home",
        "safe",
        "falls",
        2,
        [
            "Falls: {n_falls} falls in {month} with no analysis",
            "High number of falls, not analysed",
        ],
        """The accident book shows {n_falls} falls in {month}, {n} of them unwitnessed and at
       night. {res} fell three times in eight days and there was no falls risk reassessment
       afterwards. Sensor mats were in storage rather than in use. There is no monthly falls
       analysis and no referral to the falls prevention service. The home's own policy says
       residents who fall at night should have neurological observations; these were recorded
       for only one of the unwitnessed falls. {closer}""",
    ),
    _t(
        "council",
        "sl",
        "safe",
        "safeguarding finance",
        3,
        ["Possible financial abuse of a tenant", "Concern about {res}'s money"],
        """The council's appointeeship team noticed cash withdrawals totalling £{money} from
       {res}'s account over {weeks} weeks, made at a cash machine near the service, although
       {res}'s support plan says staff buy shopping for {them} by card. Receipts are missing
       for most of the withdrawals. {res} has a learning disability and cannot manage money
       without support. A Section 42 enquiry is open and the police have been told. The
       provider has suspended the key worker pending investigation.""",
    ),
    _t(
        "council",
        "home",
        "caring",
        "dignity",
        2,
        [
            "Dignity concerns seen at monitoring visit",
            "Residents in night clothes late in the morning",
        ],
        """At {time_late} on {date}, {n} residents in the lounge were still in night clothes and
       two had not been offered a drink since breakfast. A {staff_role} was overheard talking
       about {res}'s continence in front of other residents. Call bells were out of reach in
       {n2} bedrooms. Staff were kind when we asked them to help, but there were too few of
       them on the floor. We fed this back to the manager at the end of the visit.""",
    ),
    _t(
        "council",
        "dom",
        "effective",
        "record-keeping",
        1,
        ["Care plans not reviewed within six weeks", "Late reviews of new care packages"],
        """Of {n_sample} care files sampled for people who started with the agency in the last
       quarter, {n} had no six-week review and {n2} had a care plan that did not match the
       council's support plan (for example, a shower call being delivered as a strip wash).
       Moving and handling risk assessments were generic. The registered manager agreed the
       backlog was caused by the field supervisor post being vacant since {month2}.
       {closer}""",
    ),
    _t(
        "council",
        "dom",
        "safe",
        "missed-visits staffing",
        2,
        [
            "Carers not given travel time between calls",
            "Rotas show back-to-back calls across the borough",
        ],
        """Rotas for {n3} care workers sampled for the week of {date} showed calls scheduled
       back-to-back with no travel time, some between {area} and {area2}. Call logs show
       visits regularly cut short: the median length of 30-minute calls was {mins} minutes.
       Two care workers told us they are paid only for time in people's homes. This pattern
       usually goes with late calls and high staff turnover. Raised with the provider as a
       contract compliance issue.""",
    ),
    _t(
        "council",
        "home",
        "safe",
        "environment infection-control",
        1,
        [
            "Premises: broken call bell and hot water risks",
            "Environmental issues at monitoring visit",
        ],
        """Walk-round on {date}: the call bell in room {room} did not work and had been reported
       {weeks} weeks earlier; hot water in two bathrooms ran above 44°C with no thermostatic
       valve; the sluice room was unlocked with cleaning chemicals on an open shelf. The
       laundry had no separation of clean and dirty linen. The maintenance person works two
       days a week. The provider is to send a dated maintenance plan. {closer}""",
    ),
    # --- CQC ----------------------------------------------------------------------------------
    _t(
        "cqc",
        "any",
        "safe",
        "medication",
        3,
        [
            "Inspection: unsafe management of medicines",
            "Inspection found breach of regulation 12 (medicines)",
        ],
        """Inspection visit found that medicines were not managed safely. Staff were giving
       {med} covertly to {res} with no mental capacity assessment, best-interests decision or
       pharmacist advice on how to give it. Stock of {med2} for {n} people could not be
       reconciled, and 'as required' medicines had no protocols. The medicines room was above
       25°C on {n2} days in the month with no action. We have identified a breach of
       regulation 12 (safe care and treatment) and are considering our enforcement
       options.""",
    ),
    _t(
        "cqc",
        "any",
        "safe",
        "staffing",
        2,
        [
            "Inspection: not enough suitably qualified staff",
            "Inspection found breach of regulation 18 (staffing)",
        ],
        """Inspection visit found there were not enough staff deployed to meet people's needs,
       especially {shift}. The provider's dependency tool showed {need} staff were needed on the
       shifts we sampled, but often only {onduty} were on duty. Recruitment files for {n3}
       recently employed staff had gaps in employment history and one had no DBS check before
       starting. People told us they waited a long time for help. Breach of regulations 18
       (staffing) and 19 (fit and proper persons employed).""",
    ),
    _t(
        "cqc",
        "any",
        "well-led",
        "staffing leadership",
        2,
        ["Whistleblowing contacts received", "{n} whistleblowing contacts since {month2}"],
        """CQC has received {n} whistleblowing contacts about {service} since {month2}, from
       people who say they are current or former staff. They describe 14-hour shifts,
       {staff} without training using equipment, and a manager who is rarely on site. One
       contact says incidents are not written up so that they need not be notified to us. The
       accounts are consistent with each other. We are reviewing the information with the
       inspector for the location.""",
    ),
    _t(
        "cqc",
        "home",
        "safe",
        "falls",
        3,
        [
            "Statutory notification: serious injury after a fall",
            "Notification: fractured neck of femur, {res}",
        ],
        """Notification received on {date} of a serious injury: {res} ({age}) fell in {their}
       room at about {time}, was found on the floor by the {staff_role} on the next round and
       was taken to {hospital}, where a fractured neck of femur was diagnosed. The
       notification says {res} was on two-hourly checks. This is the {ordinal} notification of
       a serious injury from a fall at this location in {months} months. We have asked the
       provider for its post-falls review and updated risk assessment.""",
    ),
    _t(
        "cqc",
        "any",
        "safe",
        "safeguarding",
        3,
        ["Notification of an unexpected death", "Death notification: {res}"],
        """Notification received of the death of {res} ({age}) on {date}. It says {res} was
       found unresponsive by staff at {time} and paramedics confirmed death. The coroner has
       been informed. A relative has separately contacted us with concerns about the care in
       the days before, including whether a GP was called when {res} stopped eating and
       drinking. We have asked the provider for a timeline and will liaise with the local
       authority about a safeguarding enquiry.""",
    ),
    _t(
        "cqc",
        "any",
        "well-led",
        "leadership",
        2,
        ["No registered manager for {months_long} months", "Location without a registered manager"],
        """The location has been without a registered manager for {months_long} months. An
       application from the acting manager was withdrawn in {month2} after the fit person
       interview, and no new application has been received. Notifications from the location
       have fallen from about {n} a month to none in the last two months, which is not
       consistent with its size. A registered manager is a condition of registration. We have
       written to the nominated individual.""",
    ),
    _t(
        "cqc",
        "any",
        "well-led",
        "leadership record-keeping",
        3,
        ["Warning notice served", "Enforcement: section 29 warning notice"],
        """Following the inspection on {date2}, CQC has served a warning notice under section 29
       of the Health and Social Care Act 2008 for breach of regulation 17 (good governance).
       The provider must comply by {deadline}. The notice cites audits that did not identify
       the risks we found, out-of-date care plans for people at high risk of choking, and
       failure to act on earlier breaches. We will inspect again after the compliance date.
       Please treat as confidential until the notice is published.""",
    ),
    _t(
        "cqc",
        "any",
        "well-led",
        "leadership",
        1,
        ["Inspection report published: Requires improvement", "CQC report published"],
        """The report of the inspection of {date2} has been published. Overall rating Requires
       improvement; Safe and Well-led were rated Requires improvement. Inspectors found that
       risks to people were not always assessed and that audits were not always effective,
       but staff were caring and families were positive about the service. There was one
       breach of regulation 17 (good governance). The provider must send us an action plan
       within 28 days.""",
        "public",
    ),
    _t(
        "cqc",
        "any",
        "caring",
        "complaints dignity",
        1,
        ["Feedback through 'Give feedback on care'", "Feedback from a member of the public"],
        """We received feedback through 'Give feedback on care' from a person whose
       {relative_of} uses the service. They say {staff} often talk among themselves in a
       language their relative does not understand during personal care, that the person is
       rushed, and that complaints are met with defensiveness. They did not want to be
       identified to the provider. This is the {ordinal} piece of feedback of this kind in
       {months} months. Logged for the inspector's ongoing monitoring.""",
    ),
    _t(
        "cqc",
        "any",
        "well-led",
        "leadership staffing",
        1,
        ["Monitoring call with the provider", "Assessment activity: call with the manager"],
        """Monitoring call with the registered manager on {date}. The manager reported {n3}
       vacancies, more use of agency staff and {n} people currently receiving end-of-life
       care. Recent audits were said to show improvement, but the manager could not tell us
       the outcome of the last medicines audit. We have asked for the last three months'
       audits and the staffing dependency tool. No immediate risk identified; monitoring
       continues.""",
    ),
    _t(
        "cqc",
        "home",
        "safe",
        "infection-control",
        2,
        [
            "Inspection: infection prevention and control shortfalls",
            "Inspection found poor infection control",
        ],
        """Inspection visit found that people were not protected from the risk of infection.
       Commodes in {n} bedrooms were visibly soiled, mattress audits had not been done since
       {month2}, and {n2} mattresses failed a compression check. Staff were seen wearing the
       same apron and gloves between rooms on the {floor}. The cleaning schedule was signed as
       complete for areas that were clearly dirty. The home has had no infection control audit
       from the community team this year.""",
    ),
    _t(
        "cqc",
        "any",
        "well-led",
        "record-keeping safeguarding",
        2,
        [
            "Safeguarding incidents not notified to CQC",
            "Failure to notify safeguarding allegations",
        ],
        """Through the local authority we learnt of {n} safeguarding enquiries about this
       location in the last {months} months; none was notified to CQC as regulation 18 of the
       Registration Regulations requires. Asked about this, the manager said she believed the
       local authority would tell us. We are considering a fixed penalty notice for the failure
       to notify and have reminded the provider of its duties.""",
    ),
    _t(
        "cqc",
        "dom",
        "safe",
        "missed-visits staffing",
        2,
        ["Inspection: late and missed calls", "Inspection of the agency: call times not met"],
        """Inspection visit found that people did not always receive care at the agreed times.
       Call monitoring records showed {pct_late}% of calls more than 30 minutes late in the
       sample month, and people told us carers 'come when they come'. Two people with diabetes
       had breakfast calls more than two hours late, which affected the timing of their
       insulin. Rotas did not allow travel time. We are assessing whether this amounts to a
       breach of regulation 12.""",
    ),
    _t(
        "cqc",
        "sl",
        "safe",
        "safeguarding deprivation-of-liberty",
        2,
        [
            "Restrictive practices in supported living",
            "Inspection: restrictions on tenants' freedom",
        ],
        """Inspection visit found that tenants' freedom was being restricted without legal
       authority: the front door had a keypad whose code tenants were not given, kitchen
       cupboards were locked, and {res}'s mobile phone was kept in the office 'for {their}
       own safety'. Records showed {n} physical interventions in {month2} with no debrief.
       Staff had not been trained in positive behaviour support. This is not consistent with
       Right support, right care, right culture. We have informed the local authority.""",
    ),
    # --- NHS: district nurses, care home support, IPC, medicines, CHC, hospitals ------------
    _t(
        "nhs",
        "home dom",
        "safe",
        "pressure-care safeguarding",
        3,
        ["Category 3 pressure ulcer: {res}", "District nurses report a category 3 pressure ulcer"],
        """District nurses reported a category 3 pressure ulcer to {res}'s {site}, first seen on
       {date} at a routine visit. Repositioning charts showed gaps of up to {hours} hours
       overnight, and the pressure-relieving mattress was set for a much lighter person. {res}
       ({age}) had been assessed as at very high risk (Waterlow {waterlow}) in {month2}. A
       Datix and a safeguarding concern have been raised; the tissue viability nurse will
       review on {day}.""",
    ),
    _t(
        "nhs",
        "home",
        "effective",
        "nutrition",
        2,
        ["Unplanned weight loss not acted on", "Care home support team: residents losing weight"],
        """The care home support team reviewed {n3} residents on {date}. {res} has lost {kg} kg
       over {weeks} weeks and {res2} {kg2} kg; neither had been referred to the GP or
       dietitian, and food was not being fortified although this is in both care plans.
       Weights are recorded monthly but nobody looks at the trend. The team has made the
       referrals and will run a MUST session for senior carers.""",
    ),
    _t(
        "nhs",
        "any",
        "responsive",
        "safeguarding",
        2,
        [
            "Provider would not take {res} back after hospital stay",
            "Discharge delayed: provider will not restart care",
        ],
        """The {hospital} discharge team reported that {service} declined to take {res} back
       after a {n3}-day admission, saying {their} needs had increased, although the therapy
       assessment shows {res} is back to {their} previous mobility. The provider gave this
       notice by phone on a {day} evening. {res} has now been in hospital {n2} days after being
       medically fit for discharge. The team found the provider hard to reach and has raised it
       with the ICB quality lead.""",
    ),
    _t(
        "nhs",
        "home",
        "safe",
        "infection-control",
        3,
        ["Suspected norovirus outbreak", "Outbreak: diarrhoea and vomiting, {n_cases} residents"],
        """The infection prevention and control team was told on {date} of a suspected
       norovirus outbreak: {n_cases} residents and {n_staff} staff with diarrhoea and vomiting
       since {day}. Samples confirmed norovirus. The home reported about three days late, and
       a new admission went ahead on the {floor} while residents were unwell. The home is
       closed to admissions on UKHSA advice; {n} residents were admitted to hospital with
       dehydration. IPC will visit daily until 48 hours after the last case.""",
    ),
    _t(
        "nhs",
        "home",
        "safe",
        "infection-control",
        2,
        ["Outbreak of {infection} reported", "Outbreak: {infection}, {n_cases} residents affected"],
        """The home reported an outbreak of {infection} on {date}, with {n_cases} residents
       affected. IPC advice was given by phone and in person. At the visit, staff were unsure
       which residents were isolating, signage was missing and the laundry did not separate
       infected linen. Outbreak measures were explained again to the manager and the nurse in
       charge. The home is closed to admissions until the outbreak is declared over.""",
    ),
    _t(
        "nhs",
        "any",
        "safe",
        "medication",
        2,
        [
            "Medicines optimisation visit: storage and administration errors",
            "Pharmacist review found medicines risks",
        ],
        """The ICB medicines optimisation pharmacist visited on {date}. {med} was kept in an
       unlocked trolley in the corridor, insulin pens in use were not dated, and {res} had
       been given {med2} twice on {day} because two staff each thought the other had not.
       Handwritten MAR entries were not countersigned. The pharmacist has agreed a support
       plan with the manager and will repeat the audit in {weeks} weeks.""",
    ),
    _t(
        "nhs",
        "home",
        "safe",
        "falls training",
        2,
        ["High ambulance call-outs for falls", "LAS data: falls call-outs above average"],
        """London Ambulance Service data shared with the ICB show {n_las} call-outs to the home
       in {month}, {n_las_falls} of them for falls, against a borough median of {las_median}
       for homes of similar size. Several calls were for residents who were not injured,
       which suggests staff are not confident using the lifting equipment or the falls
       pathway. The care home support team has offered training on post-falls assessment and
       the lifting cushion.""",
    ),
    _t(
        "nhs",
        "any",
        "effective",
        "record-keeping finance",
        1,
        [
            "CHC review: care not as commissioned",
            "Continuing Healthcare review found one-to-one not delivered",
        ],
        """A Continuing Healthcare nurse assessor reviewed {res}, who is funded for one-to-one
       support during the day. Records for the last {weeks} weeks show one-to-one was provided
       on only {n3} of the days; on the others {res} was in a shared lounge with no dedicated
       staff. The provider has invoiced for the full package. The ICB is reviewing the
       invoices and has asked for staffing records for the period.""",
    ),
    _t(
        "nhs",
        "home",
        "responsive",
        "complaints",
        1,
        [
            "GP practice raises concerns about communication",
            "GP: staff unable to give basic information",
        ],
        """The GP practice that looks after most residents told us that staff often call about a
       resident without knowing why, or without the person's recent observations, and that
       requests for a weekly ward round are not acted on. Twice in {month} a resident was sent
       to A&E after NHS 111 was called, when the GP had already planned to visit that day. The
       practice has asked for a named link person at the home.""",
    ),
    _t(
        "nhs",
        "dom",
        "safe",
        "medication missed-visits",
        3,
        ["Late calls affecting insulin doses", "District nurses: hypoglycaemia after late call"],
        """District nurses reported that {res}, who has type 1 diabetes and has insulin given by
       the nurses after a carer-prompted breakfast, was found hypoglycaemic on {date} because
       the morning call was {hours} hours late and no breakfast had been given. It is the
       {ordinal} time this month. {res} has no family nearby. The nursing team has raised a
       safeguarding concern and asked the council to review the package urgently.""",
    ),
    _t(
        "nhs",
        "any",
        "safe",
        "safeguarding pressure-care nutrition",
        3,
        [
            "Hospital safeguarding team: {res} admitted dehydrated",
            "Patient admitted in poor condition",
        ],
        """The {hospital} adult safeguarding team raised a concern about {res} ({age}), admitted
       on {date} with severe dehydration, an acute kidney injury and category 2 pressure
       ulcers to both heels. The ambulance crew described {res} as heavily soiled. The
       transfer form from the provider said {res} was 'eating and drinking well'. A
       safeguarding concern has been made to the local authority for a Section 42
       decision.""",
    ),
    _t(
        "nhs",
        "home",
        "caring",
        "dignity training",
        2,
        ["End-of-life care concerns", "Palliative care team concerned about end-of-life care"],
        """The community palliative care team told us that anticipatory medicines prescribed for
       {res} were not given on {day} night because no nurse on duty could set up a syringe
       driver, and the team was not called until the morning. {res}'s family felt {their}
       relative was in pain and that staff avoided the room. The team has offered end-of-life
       care training and asked that all the home's nurses complete it.""",
    ),
    _t(
        "nhs",
        "any",
        "well-led",
        "leadership",
        0,
        ["Care home support team: improvements noted", "Positive engagement with ICB support"],
        """The care home support team notes good progress. The service has a named clinical
       lead, weekly multidisciplinary huddles with the GP practice, and everyone has a
       RESTORE2 baseline. Hospital admissions have fallen from {adm_before} to {adm_after} a
       month. Staff were confident describing the soft signs of deterioration. No current
       concerns from the ICB.""",
    ),
    _t(
        "nhs",
        "home",
        "effective",
        "infection-control training",
        1,
        [
            "Catheter care and repeated urine infections",
            "Community nurses: catheter care not followed",
        ],
        """Community continence nurses reported that {res} has had {n} urinary tract infections
       since {month2}. The catheter care plan is not followed: the drainage bag was found on
       the floor twice, and there is no record of catheter changes. Staff said nobody had
       shown them how to do catheter care. The community team will run a training session;
       the home has been asked to name a continence champion.""",
    ),
    # --- Metropolitan Police ------------------------------------------------------------------
    _t(
        "police",
        "home",
        "safe",
        "safeguarding",
        2,
        [
            "Police attended: assault between residents",
            "Resident-on-resident assault, police called",
        ],
        """Officers attended the home at {time} on {date} after a report that {res} had been
       pushed over by another resident in the lounge and had a cut to the head. Both residents
       have dementia and lack capacity; no criminal offence will be pursued. Staff told
       officers this was the {ordinal} incident between the two in {weeks} weeks and that the
       other resident's behaviour support plan was 'being reviewed'. An Adult Coming to Notice
       (Merlin) report has been completed and shared with adult social care.""",
    ),
    _t(
        "police",
        "home",
        "safe",
        "safeguarding deprivation-of-liberty",
        2,
        [
            "Missing person: resident left the home unnoticed",
            "Missing person: {res} found {hours} hours later",
        ],
        """Officers attended at {time} on {date} after {res} ({age}), who has dementia and is
       subject to a DoLS authorisation, was reported missing. CCTV from a nearby shop showed
       {res} leaving through the garden gate about {hours} hours before staff noticed. Officers
       found {them} near {landmark}, cold and confused, and {res} was taken to {hospital} as a
       precaution. The gate keypad was broken. Merlin report submitted; referral made to adult
       social care.""",
    ),
    _t(
        "police",
        "home",
        "safe",
        "safeguarding",
        3,
        [
            "Theft from resident: member of staff arrested",
            "Theft allegation, staff member arrested",
        ],
        """Officers attended after the home reported that cash and a gold necklace had gone
       missing from {res}'s room on {n} occasions. A member of night staff was arrested on
       {date} on suspicion of theft and has been released under investigation. Crime reference
       {crime}. The home has suspended the employee. Officers are checking whether other
       residents have lost property. Please do not discuss details with the provider beyond
       what it already knows.""",
        "sensitive",
    ),
    _t(
        "police",
        "dom",
        "safe",
        "safeguarding finance",
        3,
        [
            "Fraud: care worker suspected of using client's bank card",
            "Financial abuse allegation against a care worker",
        ],
        """Police received a report from {res}'s {relative} that {their} bank card had been used
       for {n3} contactless payments and two cash withdrawals, totalling £{money}, at times
       matching a care worker's calls. The card is kept in a kitchen drawer and the key safe
       code is shared with the agency. The care worker has been interviewed under caution and
       the investigation is ongoing. Crime reference {crime}. The agency has been told only
       that an allegation has been made.""",
        "sensitive",
    ),
    _t(
        "police",
        "any",
        "well-led",
        "staffing finance",
        3,
        [
            "Intelligence: possible exploitation of sponsored workers",
            "Modern slavery concerns about overseas care workers",
        ],
        """Intelligence received suggests that care workers recruited from overseas on
       sponsored visas are being charged 'placement fees' of up to £{fee} and housed {n} to a
       room in a property linked to a company director. Workers are said to be paid below the
       minimum wage after deductions and are afraid to complain because of their visa status.
       The Modern Slavery and Exploitation Unit is assessing. Do not raise with the provider.
       Shared with the Home Office sponsor compliance team.""",
        "sensitive",
    ),
    _t(
        "police",
        "any",
        "safe",
        "safeguarding record-keeping",
        2,
        ["Sudden death, not suspicious: care concerns noted", "Officers attended a sudden death"],
        """Officers attended the sudden death of {res} ({age}) on {date}. The death is not being
       treated as suspicious and a report has gone to the coroner. Officers noted that records
       for the last 24 hours were incomplete, that {res} had not been seen by staff for
       {hours} hours overnight, and that the staff on duty gave differing accounts of when
       {res} was last checked. Shared for information and any action by partners.""",
    ),
    _t(
        "police",
        "home",
        "safe",
        "safeguarding",
        3,
        [
            "CCTV shows care worker mistreating resident",
            "Ill-treatment allegation: CCTV under review",
        ],
        """The home provided CCTV from a communal corridor which shows a care worker pulling
       {res} by the arm and pushing {them} into a chair at about {time} on {date}. The worker
       has been suspended. An investigation for ill-treatment or wilful neglect under section
       44 of the Mental Capacity Act 2005 is under way. The officer in the case asks that no
       partner contacts staff who may be witnesses.""",
        "sensitive",
    ),
    _t(
        "police",
        "any",
        "safe",
        "safeguarding",
        3,
        [
            "Allegation of sexual assault reported",
            "Sexual offence allegation: investigation under way",
        ],
        """A {staff_role} reported that {res} disclosed an assault by a person visiting another
       {person_noun}. Officers attended on {date}; specialist officers are leading the
       investigation and a forensic examination has taken place with consent. The suspect has
       been identified and will be interviewed. The provider's visitors' log is incomplete for
       the evening in question. Strictly limited circulation: do not share further without the
       agreement of the officer in the case.""",
        "sensitive",
    ),
    _t(
        "police",
        "sl",
        "safe",
        "safeguarding",
        3,
        [
            "Suspected cuckooing of a supported living tenant",
            "Drug dealing suspected at tenant's flat",
        ],
        """Neighbourhood officers have intelligence that {res}, a tenant at the service, is being
       exploited by people believed to be dealing drugs from {their} flat ('cuckooing').
       Several unknown adults have been seen coming and going late at night, and support staff
       have been turned away at the door on {n} occasions. {res} has a learning disability. A
       multi-agency meeting is being arranged. Staff should record and report all visitors but
       not challenge them directly.""",
        "sensitive",
    ),
    _t(
        "police",
        "any",
        "responsive",
        "complaints",
        1,
        ["Welfare check at the request of family", "Police welfare check requested"],
        """Police were asked to carry out a welfare check on {res} on {date} after the family
       could not reach the service by phone for two days. Officers found {res} safe and well
       cared for; the service's phone line had been out of order and families had not been
       given another number. No police action. Passed on because families have reported
       difficulty reaching this provider before.""",
    ),
    _t(
        "police",
        "any",
        "well-led",
        "staffing",
        2,
        [
            "Staff member working under a false identity",
            "Immigration enforcement visit: illegal working",
        ],
        """During an immigration enforcement visit on {date}, supported by officers, one member
       of staff was found to be working under another person's identity and right-to-work
       documents, and {n} others had no right to work in the UK. The provider's recruitment
       checks had not picked this up. Home Office Immigration Enforcement is considering a
       civil penalty. The provider may face staff shortages at short notice.""",
    ),
    # --- Healthwatch ----------------------------------------------------------------------------
    _t(
        "healthwatch",
        "home",
        "caring",
        "dignity nutrition",
        1,
        ["Enter and View visit: mixed experience", "Enter and View: what residents told us"],
        """Enter and View visit on {date} by {n} authorised representatives. Residents told us
       staff are kind but always busy: 'They're lovely, but you wait ages if you ring.' Lunch
       looked appetising and there was a choice, but {n2} people who needed help with eating
       waited over 20 minutes while their food went cold. The activities board showed nothing
       for the week. Our full report, with recommendations, will go to the provider, which has
       20 working days to respond.""",
        "public",
    ),
    _t(
        "healthwatch",
        "home",
        "responsive",
        "complaints",
        1,
        [
            "Relative's concerns about communication",
            "Family not told about a fall and hospital stay",
        ],
        """A resident's relative told us that the family were not told when their mother,
       {res_f}, had a fall and went to hospital; they found out when the hospital rang them
       the next day. They also said phone calls to the home often go unanswered after 5pm.
       They have raised this with the manager but felt 'fobbed off'. They gave us permission
       to share their concerns but not their name.""",
    ),
    _t(
        "healthwatch",
        "dom",
        "responsive",
        "missed-visits",
        1,
        ["Home care: 'I never know who is coming'", "Feedback about home care visits"],
        """A person who receives home care told us they never know which carer will come or
       when: 'I've had {n3} different carers this month. I have to explain everything every
       time.' Their evening call is sometimes at 6pm, so they are put to bed very early. They
       are worried that complaining would make the care worse. They agreed for us to pass this
       on without their name.""",
    ),
    _t(
        "healthwatch",
        "any",
        "responsive",
        "complaints",
        0,
        ["Comments received through our website", "Public comments about the service"],
        """We received {n3} comments about this service through our website and by phone between
       {month2} and {month}. Most were positive about individual staff. Three mentioned
       difficulty getting through to the office, and one said a written complaint had not
       been acknowledged after {weeks} weeks. We have shared the themes with the provider and
       signposted the person to the complaints process and to NHS Complaints Advocacy.""",
        "public",
    ),
    _t(
        "healthwatch",
        "home",
        "responsive",
        "dignity",
        1,
        [
            "Residents' hearing aids and glasses not looked after",
            "Enter and View: sensory needs not met",
        ],
        """At our Enter and View visit on {date} we noticed that several residents were not
       wearing their glasses or hearing aids. Staff told us batteries 'run out' and nobody is
       responsible for replacing them. One resident, who uses British Sign Language, could
       only communicate with staff by gesture and had not seen an interpreter since moving in.
       We recommend the home checks each resident's communication needs against the
       Accessible Information Standard.""",
    ),
    _t(
        "healthwatch",
        "home",
        "caring",
        "dignity",
        0,
        ["Few activities and residents bored", "Residents would like more to do"],
        """Residents we spoke to said the days are long: 'We sit here and the telly's on.' The
       activities coordinator post has been vacant since {month2}, and the garden was locked
       during our visit although it was a dry, mild day. Two residents said they would like to
       go to church on Sundays but there is nobody to take them. Staff were keen to do more but
       said they have no time. We will include this in our report.""",
        "public",
    ),
    _t(
        "healthwatch",
        "home",
        "responsive",
        "complaints dignity",
        1,
        ["Visiting restricted without explanation", "Families told visiting is limited"],
        """{N} families have contacted us since {month2} to say the home has limited visiting to
       one hour in the afternoon, booked a day ahead, and that visitors may not go into
       bedrooms. No outbreak was reported at the time. One relative was told this was
       'because of staffing'. Families feel this is unfair and does not follow national
       guidance that visiting should be supported. We have asked the provider for its visiting
       policy.""",
    ),
    _t(
        "healthwatch",
        "any",
        "well-led",
        "leadership",
        0,
        ["Positive feedback from families", "Families praise the new manager"],
        """We have had several positive comments since the new manager started: families say
       they now get a call back the same day, there is a monthly relatives' meeting and
       communication has improved. A relative told us: 'It feels like a different place. Mum
       is eating again and they take her out in the garden.' We will revisit later in the year
       as part of our Enter and View programme.""",
        "public",
    ),
    _t(
        "healthwatch",
        "dom",
        "caring",
        "dignity nutrition",
        2,
        ["Carers rushing and leaving food out of reach", "Relative worried about short visits"],
        """A relative told us that her father, {res_m}, who has advanced dementia, is often left
       with a microwave meal on the kitchen table that he cannot reach or open; the carers'
       notes say 'meal prepared'. With the agreement of his attorney she fitted a camera in
       the kitchen, which shows carers staying between {mins_short} and 15 minutes on
       30-minute calls. She has complained to the agency and wants the council to know.""",
    ),
    _t(
        "healthwatch",
        "sl",
        "caring",
        "dignity complaints",
        1,
        [
            "Tenants' views on their support",
            "Supported living tenants feel they are not listened to",
        ],
        """We visited the service with our community engagement officer and spoke with {n}
       tenants. Tenants told us staff change often and they are not involved in choosing their
       own support workers. One tenant said he was not allowed to stay out after 9pm, though
       nobody could tell us why. Another said her money for activities 'goes missing' when she
       asks for it. We have passed these points to the provider and the council's
       commissioners.""",
    ),
)

# --- meetings, concerns and embargoes --------------------------------------------------------

MEETING_LOCATIONS = (
    "Merton Civic Centre, London Road, Morden SM4 5DX (Committee Room C)",
    "Microsoft Teams",
    "Merton Civic Centre, London Road, Morden SM4 5DX (Committee Room B) and Microsoft Teams",
)
DISCUSSION_EXTRAS = (
    "CQC confirmed no inspection is planned at present but the location is being kept under "
    "review.",
    "The council's contract monitoring team will visit unannounced before the next meeting.",
    "The ICB reported that the care home support team is now visiting weekly.",
    "Partners agreed the concerns are being managed through single-agency action and do not "
    "at present meet the threshold for the provider concerns process.",
    "The police update was given verbally and is not minuted.",
    "The provider has a new manager who is reported to be engaging well with partners.",
    "Healthwatch will add the service to its Enter and View programme.",
)
DECISIONS = (
    "Keep under review; no escalation at this stage. Partners to log any new information on "
    "the portal.",
    "Ask CQC to consider a responsive inspection.",
    "Threshold for the provider concerns process not met; single-agency actions to continue.",
    "Add to the next meeting's discussion list whatever its risk score.",
    "Write to the nominated individual setting out the group's concerns and asking for a reply "
    "within 14 days.",
)
#: (owner agency code, action text).
ACTIONS = (
    ("MERTON", "Unannounced contract monitoring visit focusing on night staffing and medicines."),
    ("MERTON", "Check that all DoLS renewals have been submitted to the supervisory body."),
    ("MERTON", "Ask the provider for its business continuity plan and latest management accounts."),
    ("MERTON", "Review every council-funded placement at the service within four weeks."),
    ("CQC", "Consider a responsive inspection and tell the group the outcome."),
    ("CQC", "Confirm whether a registered manager application has been received."),
    ("SWLICB", "Care home support team to visit weekly until the next meeting."),
    ("SWLICB", "Arrange tissue viability training for nursing staff."),
    ("SWLICB", "Medicines optimisation pharmacist to repeat the medicines audit."),
    (
        "MPS",
        "Confirm what can be shared about the investigation and whether other residents are "
        "affected.",
    ),
    ("HWMERTON", "Add the service to the Enter and View programme this quarter."),
)
CLOSING_NOTES = (
    "Done: visit carried out on {date}; report shared with partners.",
    "Completed on {date}; no further concerns found.",
    "Done on {date}. Outcome reported to the group.",
    "Closed on {date}: the provider has since sent what was asked for.",
)
OPEN_CONCERN = {
    "summary": "Pattern of neglect: category 3 pressure ulcers, unwitnessed falls at night, "
    "medication errors and low night staffing reported by several partners.",
    "initiate": "Agreed at the Joint Intelligence Group: the pattern of pressure ulcers, falls at "
    "night and medication errors reported by several partners meets the threshold for the "
    "provider concerns process. Merton adult safeguarding to lead.",
    "initial-meeting": "Initial provider concerns meeting with the nominated individual and "
    "partners. Terms of reference agreed; four open Section 42 enquiries to be coordinated "
    "under this process. Embargo on new placements from tomorrow; neighbouring boroughs to be "
    "told.",
    "findings-meeting": "Findings presented: neglect substantiated for three residents (pressure "
    "care, nutrition). Provider's action plan accepted with changes; interim manager in post "
    "from head office. Embargo stays. Update meeting in six weeks.",
}
CLOSED_CONCERN = {
    "summary": "Missed and late calls affecting people with time-critical medicines; several "
    "safeguarding concerns in two months.",
    "initiate": "Decision to initiate: five safeguarding concerns in eight weeks about missed "
    "and late calls, two involving insulin-dependent clients.",
    "initial-meeting": "Initial meeting with the provider's directors. Embargo on new packages "
    "agreed; the provider to review every client with time-critical medicines within a week.",
    "findings-meeting": "Findings: neglect substantiated in two of five enquiries; root cause "
    "was rota planning after the loss of a coordinator. Action plan agreed.",
    "update-meeting": "Update: call punctuality up from 61% to 86%; new coordinator and field "
    "supervisor in post. Two actions outstanding.",
    "quality-assurance": "Quality assurance visits and three months of call monitoring data "
    "show punctuality above 90%; spot checks with clients positive. Embargo lifted.",
    "closure": "Process closed. Routine contract monitoring resumes; the group will watch call "
    "monitoring data monthly for six months.",
}
EMBARGO_REASONS = {
    "open": "Embargo on new placements while the provider concerns process is under way: "
    "substantiated neglect (pressure care, nutrition) and low night staffing.",
    "closed": "Embargo on new packages of care during the provider concerns process: missed "
    "and late calls to people with time-critical medicines.",
}
#: What the meetings said about the provider with the open concern, oldest meeting first.
OPEN_DISCUSSIONS = (
    "Partners described a worsening picture: {n_items} new items since the last meeting from "
    "{agencies}, including category 3 pressure ulcers and repeated unwitnessed falls at night. "
    "Night shifts rely heavily on agency nurses. CQC said an inspection is being planned. The "
    "group agreed that the threshold for the provider concerns process is met.",
    "Update from the initial provider concerns meeting on {initial}: the provider accepted the "
    "findings of the monitoring visit and has an action plan. Merton placed an embargo on new "
    "placements from {embargo} and told neighbouring boroughs. {n_items} further items since "
    "the last meeting, from {agencies}.",
    "Findings meeting held on {findings}: neglect substantiated for three residents. An interim "
    "manager from head office is in post; pressure care records are better, but night staffing "
    "is still below the dependency tool. CQC has inspected; the report is expected shortly. "
    "{n_items} new items from {agencies}.",
)
OPEN_DECISIONS = (
    "Initiate the provider concerns process; Merton adult safeguarding to lead and hold the "
    "initial meeting within 15 working days.",
    "The embargo on new placements stays in place until the findings meeting.",
    "Keep the embargo in place; the update meeting to report back to the group.",
)
ADDED_REASON = (
    "Added by the chair: a new registered manager has started and partners asked for an update "
    "whatever the risk score."
)
