"""The policy's two ways of saying who reads a visit or ECM data agree, for every role and marking."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import CareVisit, ContractVisit, Marking, Role
from portal.policy import (
    MONITORING_MARKINGS,
    PACK_AUDIENCE,
    PACK_MARKINGS,
    can_read_contract_visit,
    item_readers,
    readable_care_visits_clause,
    readable_contract_visits_clause,
    user_principals,
)
from tests import factories

# marking -> (role, same agency?) -> may read, as DESIGN.md's table says.
EXPECTED = {
    Marking.CLEAR: lambda role, same: True,
    Marking.GREEN: lambda role, same: True,
    Marking.AMBER: lambda role, same: (
        role in (Role.MEMBER, Role.CHAIR) or (same and role is Role.VIEWER)
    ),
    Marking.AMBER_STRICT: lambda role, same: same or role is Role.CHAIR,
}


def test_every_role_reads_visits_and_ecm_data_as_the_marking_table_says(app):
    merton, police = factories.agency("MERTON"), factories.agency("MPS")
    author = factories.user(Role.MEMBER, merton)
    provider = factories.provider()
    visits = {m: factories.contract_visit(author, provider, m) for m in MONITORING_MARKINGS}
    for n, marking in enumerate(MONITORING_MARKINGS):
        db.session.add(
            CareVisit(
                supplier="t",
                visit_ref=str(n),
                provider_id=provider.id,
                month="2026-10",
                planned_start=sa.func.current_timestamp(),
                planned_minutes=30,
                source_agency_id=merton.id,
                marking=marking,
            )
        )
    db.session.commit()
    for role in Role:
        for agency in (merton, police):
            user = factories.user(role, agency)
            sql_visits = set(
                db.session.scalars(
                    sa.select(ContractVisit.marking).where(readable_contract_visits_clause(user))
                )
            )
            sql_ecm = set(
                db.session.scalars(
                    sa.select(CareVisit.marking).where(readable_care_visits_clause(user))
                )
            )
            for marking, visit in visits.items():
                expected = EXPECTED[marking](role, agency is merton)
                readers = item_readers(marking, merton.id, author.id)
                where = f"{role} of {agency.code}, {marking}"
                assert can_read_contract_visit(user, visit) is expected, where
                assert (marking in sql_visits) is expected, where
                assert (marking in sql_ecm) is expected, where
                assert (not user_principals(user).isdisjoint(readers)) is expected, where
    # The meeting pack, read by every member: the pack's markings, whoever recorded them.
    for clause, table in (
        (readable_contract_visits_clause, ContractVisit),
        (readable_care_visits_clause, CareVisit),
    ):
        read = set(db.session.scalars(sa.select(table.marking).where(clause(PACK_AUDIENCE))))
        assert read == set(PACK_MARKINGS), table
