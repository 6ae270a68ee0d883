"""The demo's providers: made-up care services at real addresses, their organisations and
CQC ratings (providers.toml, places.toml)."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from portal.demo.text import District, ProviderNames
from portal.demo.world import Demo, Plan, at
from portal.extensions import db
from portal.models import Provider, ProviderRating, ProviderServiceType, Rating, RatingDomain

CENTROIDS = Path(__file__).parents[1] / "data" / "postcode-districts.csv"
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: What a rating is drawn as, weighted by the provider's profile (providers.toml).
RATING_KINDS = ("outstanding", "good", "ri", "bad")
DOMAINS = (
    RatingDomain.SAFE,
    RatingDomain.EFFECTIVE,
    RatingDomain.CARING,
    RatingDomain.RESPONSIVE,
    RatingDomain.WELL_LED,
)


def name_key(name: str) -> str:
    """Lower case, apostrophes dropped, other punctuation to spaces, whitespace collapsed."""
    text = re.sub(r"['’‘`]", "", name.lower())
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def _organisation_stem(name: str, dropped: frozenset[str]) -> str:
    """The part of a location's name an organisation would be named after."""
    words = re.sub(r"\(.*?\)|–.*$", "", name).split()
    while len(words) > 1 and words[-1] in dropped:
        words.pop()
    return " ".join(words)


def _centroids(districts: Iterable[str]) -> dict[str, tuple[float, float]]:
    wanted = set(districts)
    with CENTROIDS.open(newline="", encoding="utf-8") as handle:
        return {
            r["district"]: (float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(handle)
            if r["district"] in wanted and r["latitude"]
        }


def add_providers(demo: Demo) -> None:
    """The locations, in the order of a shuffled mix of service types; then their
    organisations, their profiles (which have concerns) and their ratings."""
    rng, places = demo.rng, demo.text.places
    centroids = _centroids(places.districts)
    mix = [kind for kind, count in demo.text.providers.service_mix.items() for _ in range(count)]
    rng.shuffle(mix)
    districts = list(places.districts)
    weights = [places.districts[d].weight for d in districts]
    used_names: set[str] = set()
    used_ids: set[str] = set()
    created = at(demo.anchor - timedelta(days=480), 8)
    for primary in mix:
        where = places.districts[rng.choices(districts, weights)[0]]
        provider = _location(demo, primary, where, centroids[where.code], used_names, used_ids)
        provider.created_at = provider.updated_at = created
        setting = (
            "home"
            if provider.care_home
            else "dom"
            if primary in ("domiciliary", "extra-care")
            else "sl"
        )
        demo.plans.append(Plan(side=where.side, setting=setting, primary=primary))
        demo.providers.append(provider)
    _groups(demo, used_ids)
    _classify(demo)
    for index, provider in enumerate(demo.providers):
        _rate(demo, index, provider)
    db.session.add_all(demo.providers)
    db.session.flush()


def _name(
    rng: random.Random, names: ProviderNames, primary: str, place: str, num: int, road: str
) -> str:
    pattern = rng.choice(names.name_patterns[primary])
    return pattern.format(
        stem=rng.choice(names.stems),
        saint=rng.choice(names.saints),
        kind=rng.choice(names.kind_words),
        place=place,
        num=num,
        road=road,
    )


def _service_types(rng: random.Random, primary: str) -> list[str]:
    types = [primary]
    if primary == "domiciliary" and rng.random() < 0.2:
        types.append("supported-living")
    elif primary in ("supported-living", "extra-care") and rng.random() < 0.4:
        types.append("domiciliary")
    return types


def _location(
    demo: Demo,
    primary: str,
    where: District,
    centroid: tuple[float, float],
    used_names: set[str],
    used_ids: set[str],
) -> Provider:
    """One location, drawn in the order the recorded data set was drawn."""
    rng, names, people = demo.rng, demo.text.providers, demo.text.people
    la = rng.choices(list(where.local_authorities), list(where.local_authorities.values()))[0]
    locality, road = rng.choice(where.localities), rng.choice(where.roads)
    num = rng.randint(1, 240)
    name = _name(rng, names, primary, locality, num, road)
    while name_key(name) in used_names:
        name = _name(rng, names, primary, locality, num, road)
    used_names.add(name_key(name))
    types = _service_types(rng, primary)
    care_home = primary.startswith("care-home")
    beds = rng.randint(24, 96) if primary == "care-home-nursing" else rng.randint(6, 62)
    town = where.post_town
    place = f"{locality}, {town}" if town not in (locality, "London") else locality
    lat, lon = centroid
    coords = rng.random() >= 0.05
    stem = _organisation_stem(name, names.organisation_words)
    return Provider(
        cqc_location_id=_cqc_id(rng, used_ids, rng.choice((9, 10, 10, 11))),
        name=name,
        name_key=name_key(name),
        provider_name=name
        if name.endswith(("Ltd", "Ltd."))
        else (stem if stem[0].isalpha() else rng.choice(names.stems))
        + " "
        + rng.choice(names.organisation_suffixes),
        address=f"{num} {road}, {place}" + (", London" if town == "London" else ""),
        postcode=f"{where.code} {rng.randint(0, 9)}{rng.choice(POSTCODE_LETTERS)}"
        f"{rng.choice(POSTCODE_LETTERS)}",
        postcode_district=where.code,
        local_authority=la,
        region="London",
        latitude=round(lat + rng.uniform(-0.01, 0.01), 6) if coords else None,
        longitude=round(lon + rng.uniform(-0.01, 0.01), 6) if coords else None,
        care_home=care_home,
        beds=beds if care_home else None,
        registered_manager=(
            f"{rng.choice(people.first_names)} {rng.choice(people.surnames)}"
            if rng.random() > 0.08
            else None
        ),
        phone=f"020 8{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        website=(
            f"https://www.{name_key(stem).replace(' ', '')}.co.uk" if rng.random() < 0.4 else None
        ),
        service_types=[ProviderServiceType(service_type=t) for t in types],
    )


def _cqc_id(rng: random.Random, used: set[str], digits: int) -> str:
    while True:
        value = f"1-{rng.randint(10 ** (digits - 1), 10**digits - 1)}"
        if value not in used:
            used.add(value)
            return value


def _groups(demo: Demo, used_ids: set[str]) -> None:
    """Organisations running several locations; every other location is its own."""
    rng, grouped = demo.rng, set()
    for group in demo.text.providers.groups:
        members = [
            i
            for i, plan in enumerate(demo.plans)
            if plan.setting == group.setting and i not in grouped
        ]
        org_id = _cqc_id(rng, used_ids, 9)
        for index in rng.sample(members, rng.randint(2, 4)):
            grouped.add(index)
            demo.providers[index].provider_name = group.name
            demo.providers[index].cqc_provider_id = org_id
    for index, provider in enumerate(demo.providers):
        if index not in grouped:
            provider.cqc_provider_id = _cqc_id(rng, used_ids, 9)


def _classify(demo: Demo) -> None:
    """The providers of the two concerns, 4 "hot" and 34 of "concern"; 6 never rated."""
    order = list(range(len(demo.providers)))
    demo.rng.shuffle(order)

    def first(primary: str, la: str) -> int:
        return next(
            i
            for i in order
            if demo.plans[i].primary == primary and demo.providers[i].local_authority == la
        )

    demo.open_index = first("care-home-nursing", "Merton")
    demo.closed_index = first("domiciliary", "Harrow")
    demo.plans[demo.open_index].profile = "open"
    demo.plans[demo.closed_index].profile = "closed"
    rest = [i for i in order if i not in (demo.open_index, demo.closed_index)]
    for position, index in enumerate(rest[:38]):
        demo.plans[index].profile = "hot" if position < 4 else "concern"
    demo.unrated = set(rest[38:44])


def _rate(demo: Demo, index: int, provider: Provider) -> None:
    rng, profile = demo.rng, demo.plans[index].profile
    if index in demo.unrated:
        provider.created_at = provider.updated_at = at(
            demo.anchor - timedelta(days=rng.randint(30, 150)), 8
        )
        return
    weights = demo.text.providers.rating_weights[profile]
    values = _domain_ratings(rng, rng.choices(RATING_KINDS, weights)[0], profile)
    days = {"open": 1, "closed": 95}.get(profile) or rng.randint(20, 1090)
    published = demo.anchor - timedelta(days=days)
    provider.ratings = [
        ProviderRating(domain=RatingDomain.OVERALL, rating=_overall(values), published_on=published)
    ] + [ProviderRating(domain=d, rating=values[d], published_on=published) for d in DOMAINS]


def _domain_ratings(rng: random.Random, kind: str, profile: str) -> dict[RatingDomain, Rating]:
    values = dict.fromkeys(DOMAINS, Rating.GOOD)
    if kind == "outstanding":
        for d in rng.sample(
            (RatingDomain.CARING, RatingDomain.RESPONSIVE, RatingDomain.WELL_LED),
            rng.randint(2, 3),
        ):
            values[d] = Rating.OUTSTANDING
    elif kind == "good" and rng.random() < 0.3:
        values[rng.choice(DOMAINS)] = Rating.REQUIRES_IMPROVEMENT
    elif kind == "ri":
        for d in rng.sample((DOMAINS[0], DOMAINS[1], DOMAINS[3], DOMAINS[4]), rng.randint(2, 4)):
            values[d] = Rating.REQUIRES_IMPROVEMENT
    elif kind == "bad":
        values.update({d: rng.choice((Rating.REQUIRES_IMPROVEMENT, Rating.GOOD)) for d in DOMAINS})
        values[RatingDomain.SAFE] = Rating.INADEQUATE
        values[RatingDomain.WELL_LED] = rng.choice((Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT))
        if profile == "open":  # rated Inadequate since the last meeting
            values[RatingDomain.WELL_LED] = Rating.INADEQUATE
    return values


def _overall(values: dict[RatingDomain, Rating]) -> Rating:
    counts = {r: list(values.values()).count(r) for r in Rating}
    if counts[Rating.INADEQUATE] >= 2:
        return Rating.INADEQUATE
    if counts[Rating.INADEQUATE] or counts[Rating.REQUIRES_IMPROVEMENT] >= 2:
        return Rating.REQUIRES_IMPROVEMENT
    if counts[Rating.OUTSTANDING] >= 2 and not counts[Rating.REQUIRES_IMPROVEMENT]:
        return Rating.OUTSTANDING
    return Rating.GOOD
