"""What fills an item template's {slots}: people, dates, places and figures, drawn for each
item in a fixed order (the words from items.toml and places.toml)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from portal.demo.text import ItemWords, Side
from portal.demo.world import Demo, day_month, months_before

#: Initials of the people items mention ("Mrs K").
INITIALS = "ABCDEFGHJKLMNPRSTW"
#: Hours of the day an incident happens at, night-time likelier.
INCIDENT_HOURS = (1, 2, 3, 4, 5, 6, 7, 13, 15, 19, 21, 22, 23)


def item_slots(demo: Demo, index: int, observed: date, code: str) -> dict[str, Any]:
    """The slots for one item about the provider `index`, written by agency `code`."""
    rng, plan = demo.rng, demo.plans[index]
    words, places = demo.text.items, demo.text.places.sides[plan.side]
    letters = rng.sample(INITIALS, 4)
    title = rng.choice(words.titles)
    need, n = rng.randint(6, 9), rng.randint(2, 6)
    n_las = rng.randint(11, 24)
    total = rng.randint(8, 14)
    return {
        **words.setting_words[plan.setting],
        **_people(rng, words, letters, title, n),
        **_dates(rng, observed),
        **_places(rng, words, places, plan.setting, code),
        **_figures(rng),
        **_counts(rng, words, observed, need, n_las, total),
    }


def _people(
    rng: random.Random, words: ItemWords, letters: list[str], title: str, n: int
) -> dict[str, Any]:
    female = title != "Mr"
    return {
        "res": f"{title} {letters[0]}",
        "res2": f"{rng.choice(words.other_titles)} {letters[1]}",
        "res_f": f"Mrs {letters[2]}",
        "res_m": f"Mr {letters[3]}",
        "them": "her" if female else "him",
        "their": "her" if female else "his",
        "age": rng.randint(71, 98),
        "room": rng.randint(1, 48),
        "n": n,
        "N": ("Two", "Three", "Four", "Five", "Six")[n - 2],
        "n2": rng.randint(2, 7),
        "n3": rng.randint(8, 14),
    }


def _dates(rng: random.Random, observed: date) -> dict[str, Any]:
    def month(back: int) -> str:
        return months_before(observed.replace(day=1), back).strftime("%B")

    return {
        "date": day_month(observed),
        "day": f"{observed:%A}",
        "date2": day_month(observed - timedelta(days=rng.randint(10, 60))),
        "deadline": day_month(observed + timedelta(days=rng.choice((14, 21, 28)))),
        "month": month(1),
        "month2": month(rng.randint(2, 5)),
        "month_next": month(-1),
        "year": observed.year - rng.randint(1, 2),
        "time": f"{rng.choice(INCIDENT_HOURS):02d}:{rng.randint(0, 59):02d}",
        "time_late": f"{rng.choice((10, 11))}:{rng.randint(10, 55):02d}",
    }


def _places(
    rng: random.Random, words: ItemWords, places: Side, setting: str, code: str
) -> dict[str, Any]:
    return {
        "floor": rng.choice(words.floors),
        "site": rng.choice(words.sites),
        "staff_role": rng.choice(words.staff_roles[setting]),
        "relative": rng.choice(words.relatives),
        "relative_of": rng.choice(words.relatives_of),
        "med": (meds := rng.sample(words.medicines, 2))[0],
        "med2": meds[1],
        "hospital": rng.choice(places.hospitals),
        "landmark": rng.choice(places.landmarks),
        "area": (areas := rng.sample(places.areas, 2))[0],
        "area2": areas[1],
        "council": "Merton" if code == "MERTON" else "Harrow",
    }


def _figures(rng: random.Random) -> dict[str, Any]:
    return {
        "pct": rng.randint(52, 79),
        "pct_late": rng.randint(18, 35),
        "agency_pct": rng.randint(35, 70),
        "n_missed": rng.randint(6, 40),
        "mins": rng.randint(12, 21),
        "mins_dbl": rng.randint(22, 36),
        "mins_short": rng.randint(4, 9),
        "months": rng.randint(2, 5),
        "months_long": rng.randint(5, 14),
        "weeks": rng.randint(3, 9),
        "hours": rng.randint(3, 9),
        "amount": f"{rng.randint(40, 260) * 1000:,}",
        "money": f"{rng.randint(400, 6800):,}",
        "fee": f"{rng.randint(25, 120) * 100:,}",
        "n_packages": rng.randint(12, 60),
        "ml": rng.randint(35, 70) * 10,
        "kg": f"{rng.uniform(3, 8.5):.1f}",
        "kg2": f"{rng.uniform(3, 7):.1f}",
    }


def _counts(
    rng: random.Random, words: ItemWords, observed: date, need: int, n_las: int, total: int
) -> dict[str, Any]:
    return {
        "done": total - rng.randint(1, 3),
        "total": total,
        "n_falls": rng.randint(9, 22),
        "n_sample": rng.randint(8, 15),
        "shift": rng.choice(words.shifts),
        "need": need,
        "onduty": need - rng.randint(2, 3),
        "ordinal": rng.choice(words.ordinals),
        "waterlow": rng.randint(20, 28),
        "n_cases": rng.randint(6, 19),
        "n_staff": rng.randint(2, 7),
        "infection": rng.choice(words.infections),
        "n_las": n_las,
        "n_las_falls": rng.randint(n_las // 3, n_las // 2 + 2),
        "las_median": rng.randint(3, 6),
        "adm_before": rng.randint(9, 16),
        "adm_after": rng.randint(2, 6),
        "crime": f"{rng.randint(5200000, 5999999)}/{observed.year % 100:02d}",
    }
