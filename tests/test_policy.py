"""The access policy: every role x marking x relationship, three ways that must agree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import policy
from portal.extensions import db
from portal.models import IntelligenceItem, Marking, Role
from tests import factories

RELATIONS = ["same agency", "other agency", "author", "recipient"]

# Who may read what, written out from DESIGN.md's table independently of the code.
# Each marking lists the (role, relation) pairs that may read; everything else may not.
EVERYONE = {(role, rel) for role in Role for rel in RELATIONS}
EXPECTED: dict[Marking, set[tuple[Role, str]]] = {
    Marking.CLEAR: EVERYONE,
    Marking.GREEN: EVERYONE,
    # Members and chairs of every agency; viewers of the originating agency.
    Marking.AMBER: {(role, rel) for role in (Role.MEMBER, Role.CHAIR) for rel in RELATIONS}
    | {(Role.VIEWER, "same agency"), (Role.VIEWER, "author")},
    # Users of the originating agency, and chairs.
    Marking.AMBER_STRICT: {(role, rel) for role in Role for rel in ("same agency", "author")}
    | {(Role.CHAIR, rel) for rel in RELATIONS},
    # The author and the named recipients, nobody else.
    Marking.RED: {(role, rel) for role in Role for rel in ("author", "recipient")},
}

CASES = [
    pytest.param(role, marking, relation, id=f"{role}-{marking}-{relation.replace(' ', '-')}")
    for role in Role
    for marking in Marking
    for relation in RELATIONS
]


@pytest.mark.parametrize(("role", "marking", "relation"), CASES)
def test_who_may_read_an_item_follows_the_marking_table(app, role, marking, relation):
    """can_read_item, the SQL clause and the principal sets all give DESIGN.md's answer."""
    origin = factories.agency("MPS")
    elsewhere = factories.agency("MERTON")
    colleague = factories.user(Role.MEMBER, origin)
    reader_agency = origin if relation in ("same agency", "author") else elsewhere
    reader = factories.user(role, reader_agency)
    author = reader if relation == "author" else colleague
    recipients = [reader] if relation == "recipient" else []
    item = factories.item(author, marking, recipients=recipients)
    db.session.commit()

    expected = (role, relation) in EXPECTED[marking]
    assert policy.can_read_item(reader, item) is expected
    in_sql = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(IntelligenceItem)
        .where(IntelligenceItem.id == item.id, policy.readable_items_clause(reader))
    )
    assert bool(in_sql) is expected
    principals_meet = not policy.user_principals(reader).isdisjoint(policy.readers_of(item))
    assert principals_meet is expected


def test_a_deactivated_user_reads_nothing_not_even_clear(app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    reader = factories.user(Role.CHAIR, factories.agency("MERTON"), active=False)
    item = factories.item(author, Marking.CLEAR)
    db.session.commit()
    assert not policy.can_read_item(reader, item)
    assert policy.user_principals(reader) == frozenset()
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(policy.readable_items_clause(reader))
    )


def test_users_of_a_deactivated_agency_read_nothing(app):
    agency = factories.agency("HARROW", active=False)
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    reader = factories.user(Role.CHAIR, agency)
    item = factories.item(author, Marking.GREEN)
    db.session.commit()
    assert not policy.can_read_item(reader, item)


def test_nobody_who_is_not_signed_in_reads_anything(app):
    from flask_login import AnonymousUserMixin

    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    item = factories.item(author, Marking.CLEAR)
    assert not policy.can_read_item(AnonymousUserMixin(), item)
    assert not policy.can_read_item(None, item)


@pytest.mark.parametrize(
    ("role", "may_log"),
    [(Role.VIEWER, False), (Role.MEMBER, True), (Role.CHAIR, True), (Role.ADMIN, False)],
)
def test_only_members_and_chairs_log_intelligence(app, role, may_log):
    user = factories.user(role, factories.agency("MERTON"))
    assert policy.can_log_intelligence(user) is may_log


def test_the_author_or_a_chair_who_can_read_it_may_edit_an_item(app):
    merton = factories.agency("MERTON")
    author = factories.user(Role.MEMBER, merton)
    other_member = factories.user(Role.MEMBER, merton)
    chair = factories.user(Role.CHAIR, factories.agency("HARROW"))
    shared = factories.item(author, Marking.AMBER)
    red = factories.item(author, Marking.RED)
    assert policy.can_edit_item(author, shared)
    assert not policy.can_edit_item(other_member, shared)
    assert policy.can_edit_item(chair, shared)
    # A chair outside a RED item's audience cannot even read it, so cannot edit it.
    assert not policy.can_edit_item(chair, red)


def test_the_circulated_pack_holds_clear_green_and_amber_only():
    assert policy.PACK_MARKINGS == {Marking.CLEAR, Marking.GREEN, Marking.AMBER}


def test_every_marking_has_a_plain_english_audience():
    assert set(policy.MARKING_AUDIENCE) == set(Marking)
