"""What the demo's builders share: the data set under construction, its dates and its draws."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from portal.demo.text import DemoText
from portal.models import Agency, IntelligenceItem, Meeting, Provider, User

SEED = 20260101


@dataclass
class Plan:
    """What the demo made a provider: its side of London, setting, main service type, profile.

    `profile` is "other", "concern", "hot", or the provider of the "open" or "closed" concern.
    """

    side: str
    setting: str
    primary: str
    profile: str = "other"


@dataclass
class Demo:
    """The data set under construction, built in a fixed order from one random generator."""

    anchor: date
    text: DemoText
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    agencies: dict[str, Agency] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    #: Members and chairs of each agency, by its code: who writes items.
    writers: dict[str, list[User]] = field(default_factory=dict)
    chairs: dict[str, User] = field(default_factory=dict)
    readers: list[User] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)  # one per provider, in the same order
    open_index: int = 0
    closed_index: int = 0
    unrated: set[int] = field(default_factory=set)
    items: list[IntelligenceItem] = field(default_factory=list)
    meeting_dates: list[date] = field(default_factory=list)
    held_meetings: list[Meeting] = field(default_factory=list)

    @property
    def last_day(self) -> date:
        """The last day of the month before the anchor: nothing happens after it."""
        return self.anchor - timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """The moment `hour`:`minute` on `day`."""
    return datetime.combine(day, time(hour, minute))


def day_month(day: date) -> str:
    """A day as notes write it: "7 March"."""
    return f"{day.day} {day:%B}"


def months_before(anchor: date, months: int) -> date:
    """The first day of the month `months` before `anchor`'s."""
    index = anchor.year * 12 + anchor.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def meeting_day(first: date) -> date:
    """The group meets on the last Thursday of the month, earlier in December."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    day = last - timedelta(days=(last.weekday() - 3) % 7)
    while day.month == 12 and day.day >= 22:
        day -= timedelta(days=7)
    return day
