"""The demo's intelligence items: who writes about which provider, in which voice, when, and
what later happened to the item (items.toml, voices/*.toml)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from portal.demo.slots import item_slots
from portal.demo.text import Edit, Template, Voice
from portal.demo.world import Demo, at, day_month, months_before
from portal.extensions import db
from portal.models import (
    IntelligenceItem,
    IntelligenceRevision,
    ItemRecipient,
    ItemStatus,
    ItemTheme,
    User,
)

N_ITEMS = 660
MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
#: The likelihoods and impacts drawn from by a template's severity (0 reassuring ... 3 serious),
#: unless the template gives its own.
LIKELIHOODS = ((1, 2), (2, 2, 3, 3, 4), (2, 3, 3, 4, 4), (3, 3, 4, 4, 5))
IMPACTS = ((1, 2), (1, 2, 2, 3), (2, 2, 3, 3, 4), (3, 4, 4, 4, 5))
#: The marking weights of an item that names a person when its voice gives AMBER and above none.
NAMED = (0, 0, 3, 1, 1)
#: The markings an edit may lower one step.
LOWERABLE = ("AMBER", "AMBER+STRICT")
#: How much likelier an item about a provider with concerns is to be one point more likely.
LIKELIER = {"concern": 0.25, "hot": 0.4, "open": 0.5, "closed": 0.4}

#: One revision of an item: who, when, why, and the item as it then was.
Revision = tuple[User, datetime, str, dict[str, Any]]


@dataclass(frozen=True)
class Spec:
    """An item drawn but not yet made: its provider's index, writer and revisions."""

    index: int
    author: User
    code: str
    logged_at: datetime
    revisions: list[Revision]


def add_items(demo: Demo) -> None:
    """N_ITEMS items over the last 14 months, made in the order they were logged."""
    rng = demo.rng
    counts = dict.fromkeys(range(len(demo.providers)), 0)
    for index, plan in enumerate(demo.plans):
        # Every range is drawn for every provider, whatever its profile.
        drawn = {
            profile: rng.randint(*count) if isinstance(count, tuple) else count
            for profile, count in demo.text.items.items_per_profile.items()
        }
        counts[index] = drawn.get(plan.profile, 0)
    others = [
        i for i, plan in enumerate(demo.plans) if plan.profile == "other" and i not in demo.unrated
    ]
    for _ in range(N_ITEMS - sum(counts.values())):
        counts[rng.choice(others)] += 1
    span = (demo.anchor - months_before(demo.anchor, 14)).days
    specs = [
        _spec(demo, index, span)
        for index in range(len(demo.providers))
        for _ in range(counts[index])
    ]
    specs.sort(key=lambda s: s.logged_at)
    demo.items.extend(_item(demo, spec) for spec in specs)
    db.session.add_all(demo.items)
    db.session.flush()


def _observed(demo: Demo, profile: str, span: int) -> date:
    """Concerns cluster in recent months; the closed concern's items around its process."""
    rng, r = demo.rng, demo.rng.random()
    if profile == "open" and rng.random() < 0.85:
        back = 1 + int(150 * r**0.9)
    elif profile == "closed" and rng.random() < 0.7:
        back = 230 + int(170 * r)
    elif profile in ("concern", "hot"):
        back = 1 + int((span - 1) * r ** (1.3 if profile == "concern" else 2))
    else:
        back = 1 + int((span - 1) * r)
    return demo.anchor - timedelta(days=back)


def _logged(demo: Demo, observed: date) -> date:
    """Logged up to ten days after, on a working day: the next Monday, else the Friday."""
    rng, last_day = demo.rng, demo.last_day
    delay = min(
        rng.choices(range(11), (25, 20, 15, 10, 8, 6, 5, 4, 3, 2, 2))[0],
        (last_day - observed).days,
    )
    logged = observed + timedelta(days=delay)
    if logged.weekday() >= 5:
        monday = logged + timedelta(days=7 - logged.weekday())
        friday = logged - timedelta(days=logged.weekday() - 4)
        late_ok = monday <= last_day and (monday - observed).days <= 10
        early = friday >= observed and (not late_ok or rng.random() < 0.5)
        logged = friday if early else monday if late_ok else logged
    return logged


def _template(demo: Demo, voice: Voice, index: int) -> Template:
    """A template for the provider's setting, likelier the more its severity and themes fit."""
    plan, words = demo.plans[index], demo.text.items
    profile = plan.profile
    weights = words.severity_weights["hot" if profile in ("hot", "open", "closed") else profile]
    focus = set(words.focus.get(profile, ()))
    options = [t for t in voice.templates if plan.setting in t.settings]
    return demo.rng.choices(
        options, [weights[t.severity] * (3 if focus & set(t.themes) else 1) for t in options]
    )[0]


def _spec(demo: Demo, index: int, span: int) -> Spec:
    rng, plan, provider = demo.rng, demo.plans[index], demo.providers[index]
    writers = dict(demo.text.items.writers[plan.side])
    if provider.local_authority != "Merton":
        writers.pop("HWMERTON", None)
    code = rng.choices(list(writers), list(writers.values()))[0]
    kind = str(demo.agencies[code].kind)
    voice = demo.text.voices[kind]
    template = _template(demo, voice, index)
    observed = _observed(demo, plan.profile, span)
    logged = _logged(demo, observed)
    author = rng.choice(demo.writers[code])
    slots = item_slots(demo, index, observed, code)
    slots["closer"] = rng.choice((voice.closers or ("",)) + ("",)).format_map(slots)
    title = rng.choice(template.titles).format_map(slots)
    body = rng.choice((template.body, *template.bodies))
    state = {
        "provider_id": provider.id,
        "observed_on": observed.isoformat(),
        "title": title[0].upper() + title[1:],
        "body": " ".join(body.format_map(slots).split()),
        **_content(demo, voice, template, plan.profile),
    }
    if state["marking"] == "RED":
        pool = [u for u in demo.readers if u.id != author.id]
        state["recipient_ids"] = sorted(u.id for u in rng.sample(pool, rng.randint(1, 3)))
    logged_at = at(logged, rng.randint(8, 16), rng.randint(0, 59))
    history = _history(demo, template, (author, code, logged_at), state)
    return Spec(index, author, code, logged_at, history)


def _content(demo: Demo, voice: Voice, template: Template, profile: str) -> dict[str, Any]:
    """The item's grading, marking and handling, as its voice and template weigh them.

    An item that names a person is marked AMBER or above, whatever its voice's weights.
    """
    rng, sev = demo.rng, template.severity
    likelihood = rng.choice(template.likelihood or LIKELIHOODS[sev])
    impact = rng.choice(template.impact or IMPACTS[sev])
    likelihood = min(5, likelihood + (rng.random() < LIKELIER.get(profile, 0)))
    marking_weights = {"sensitive": (0, 0, 20, 45, 35), "public": (55, 45, 0, 0, 0)}.get(
        template.sharing, voice.marking_weights
    )
    if template.names_person:
        marking_weights = (0, 0, *marking_weights[2:]) if any(marking_weights[2:]) else NAMED
    marking = rng.choices(MARKINGS, marking_weights)[0]
    conditions = {"sensitive": 0.6, "public": 0}.get(template.sharing, voice.condition_share)
    handling = "C" if rng.random() < conditions else "P"
    return {
        "key_question": template.key_question,
        "themes": sorted(template.themes),
        "likelihood": likelihood,
        "impact": impact,
        "source_evaluation": rng.choices("123", voice.source_weights)[0],
        "intelligence_assessment": rng.choices("ABCDE", voice.assessment_weights)[0],
        "handling_code": handling,
        "handling_conditions": rng.choice(voice.conditions) if handling == "C" else "",
        "marking": marking,
        "recipient_ids": [],
        "status": "open",
    }


def _item(demo: Demo, spec: Spec) -> IntelligenceItem:
    final, history = spec.revisions[-1][3], spec.revisions
    item = IntelligenceItem(
        provider=demo.providers[spec.index],
        source_agency=demo.agencies[spec.code],
        author=spec.author,
        observed_on=date.fromisoformat(final["observed_on"]),
        logged_at=spec.logged_at,
        updated_at=history[-1][1],
        title=final["title"],
        body=final["body"],
        key_question=final["key_question"],
        likelihood=final["likelihood"],
        impact=final["impact"],
        source_evaluation=final["source_evaluation"],
        intelligence_assessment=final["intelligence_assessment"],
        handling_code=final["handling_code"],
        handling_conditions=final["handling_conditions"],
        marking=final["marking"],
        status=ItemStatus(final["status"]),
        revision_count=len(history),
        themes=[ItemTheme(theme=t) for t in final["themes"]],
        recipients=[ItemRecipient(user_id=u) for u in final["recipient_ids"]],
    )
    if final["status"] == "withdrawn":
        editor, when, reason, _ = history[-1]
        item.withdrawn_at, item.withdrawn_by_id = when, editor.id
        item.withdrawn_reason = reason.removeprefix("Withdrawn: ")
    item.revisions = [
        IntelligenceRevision(number=n, edited_by=who, edited_at=when, reason=reason, content=state)
        for n, (who, when, reason, state) in enumerate(history, start=1)
    ]
    return item


def _history(
    demo: Demo, template: Template, logged: tuple[User, str, datetime], state: dict[str, Any]
) -> list[Revision]:
    """The first revision; one item in 12 edited later (with its template's own edits when it
    has them), one in 33 then withdrawn. `logged`: the author, their agency's code, when."""
    rng, limit = demo.rng, at(demo.last_day, 17, 30)
    author, code, logged_at = logged
    history: list[Revision] = [(author, logged_at, "", dict(state))]
    if rng.random() < 0.08:
        pool = template.edits or demo.text.items.edits
        edit = rng.choice(pool)
        when = min(_later(demo, logged_at, 25), limit)
        reason, new = _edit(edit, pool, when, state, template.names_person)
        editor = demo.chairs[code] if code in demo.chairs and rng.random() < 0.3 else author
        if when > logged_at:
            history.append((editor, when, reason, new))
    if rng.random() < 0.03:
        when = min(_later(demo, history[-1][1], 30), limit)
        if when > history[-1][1]:
            new = dict(history[-1][3], status="withdrawn")
            reason = "Withdrawn: " + rng.choice(demo.text.items.withdraw_reasons)
            history.append((author, when, reason, new))
    return history


def _edit(
    edit: Edit, pool: Sequence[Edit], when: datetime, state: dict[str, Any], names_person: bool
) -> tuple[str, dict[str, Any]]:
    """The edit made to the item: the revision's reason, and the item as it became (an item
    that names a person is never lowered below AMBER). `pool`: the edits it was drawn from."""
    what, reason, sentence = edit.change, edit.reason, edit.sentence
    new = dict(state)
    if what == "likelihood+" and new["likelihood"] < 5:
        new["likelihood"] += 1
    elif what == "impact-" and new["impact"] > 1:
        new["impact"] -= 1
    elif what == "marking" and new["marking"] in (LOWERABLE[1:] if names_person else LOWERABLE):
        new["marking"] = {"AMBER": "GREEN", "AMBER+STRICT": "AMBER"}[new["marking"]]
    elif what != "text":  # the change cannot be made: the last edit that only adds text instead
        fallback = [e for e in pool if e.change == "text"][-1]
        reason, sentence = fallback.reason, fallback.sentence
    if sentence:
        new["body"] += " " + sentence.format(
            upd=day_month(when.date()), date=day_month(date.fromisoformat(new["observed_on"]))
        )
    return reason, new


def _later(demo: Demo, moment: datetime, days: int) -> datetime:
    """A moment in working hours one to `days` days after `moment`."""
    day = moment.date() + timedelta(days=demo.rng.randint(1, days))
    return at(day, demo.rng.randint(8, 16), demo.rng.randint(0, 59))
