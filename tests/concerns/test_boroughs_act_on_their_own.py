"""Boroughs act on their own concerns and embargoes (issue 30, point 3): a chair of a council
opens them; afterwards only the chairs of that agency record stages, lift the embargo and make
and send its notice. Everyone signed in reads them; anyone else is refused (403)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Embargo, EmbargoNotice, ProviderConcern, Role, User
from tests import factories
from tests.concerns.helpers import text_of
from tests.concerns.test_concerns import stage, stages_of, start
from tests.concerns.test_embargoes import lift, place, tell
from tests.conftest import SUITE_DAY
from tests.meetings.helpers import sign_in

TODAY = SUITE_DAY


def _mertons() -> SimpleNamespace:
    """Merton's concern and embargo about Birch House, opened by one Merton chair; another
    Merton chair, Harrow's chair (another borough) and a police chair (not a council)."""
    opener = factories.user(Role.CHAIR, factories.agency("MERTON"))
    birch = factories.provider(name="Birch House")
    made = SimpleNamespace(
        provider=birch,
        concern=factories.concern(birch, opener, first_on=TODAY - timedelta(days=60)),
        embargo=factories.embargo(birch, opener),
        merton_chair=factories.user(Role.CHAIR, factories.agency("MERTON")),
        harrow_chair=factories.user(Role.CHAIR, factories.agency("HARROW")),
        police_chair=factories.user(Role.CHAIR, factories.agency("MPS")),
        other=factories.provider(name="Elm Bank"),
    )
    db.session.commit()
    return made


def _act(client: FlaskClient, made: SimpleNamespace, user: User) -> dict[str, int]:
    """Every action on Merton's concern and embargo, as the user: the answer to each."""
    sign_in(client, user)
    day = TODAY - timedelta(days=1)
    return {
        "stage form": client.get(f"/concerns/{made.concern.id}/stages/new").status_code,
        "stage": stage(client, made.concern, "initial-meeting", day, "initiate").status_code,
        "notice": client.get(f"/embargoes/{made.embargo.id}/notice").status_code,
        "notice pdf": client.get(f"/embargoes/{made.embargo.id}/notice.pdf").status_code,
        "boroughs told form": client.get(f"/embargoes/{made.embargo.id}/notices/new").status_code,
        "boroughs told": tell(client, made.embargo, ["Sutton"]).status_code,
        "lift form": client.get(f"/embargoes/{made.embargo.id}/lift").status_code,
        "lift": lift(client, made.embargo).status_code,
    }


def _state(made: SimpleNamespace) -> tuple[list[str], date | None, int]:
    db.session.expire_all()
    embargo = db.session.get(Embargo, made.embargo.id)
    told = db.session.scalar(sa.select(sa.func.count(EmbargoNotice.id))) or 0
    return stages_of(made.concern.id), embargo.lifted_on, int(told)


@pytest.mark.parametrize("who", ["harrow_chair", "police_chair"])
def test_another_agencys_chair_reads_mertons_concern_and_embargo_and_changes_nothing(
    app, client, who
):
    made = _mertons()
    before = _state(made)
    user = getattr(made, who)
    assert set(_act(client, made, user).values()) == {403}
    assert _state(made) == before
    # They read the concern, the embargo and the provider's section, without the controls.
    concern = text_of(client.get(f"/concerns/{made.concern.id}").get_data(as_text=True))
    assert "Pattern of missed calls" in concern and "Record the next stage" not in concern
    embargo = text_of(client.get(f"/embargoes/{made.embargo.id}").get_data(as_text=True))
    assert "Unsafe night staffing" in embargo
    assert "Lift the embargo" not in embargo and "Download the notice" not in embargo
    section = text_of(client.get(f"/providers/{made.provider.id}").get_data(as_text=True))
    assert "Pattern of missed calls" in section and "Record the next stage" not in section
    assert "notice to other boroughs and lifting" not in section


def test_mertons_other_chair_acts_on_mertons_concern_and_embargo(app, client):
    made = _mertons()
    assert _act(client, made, made.merton_chair) == {
        "stage form": 200,
        "stage": 302,
        "notice": 200,
        "notice pdf": 200,
        "boroughs told form": 200,
        "boroughs told": 302,
        "lift form": 200,
        "lift": 302,
    }
    stages, lifted_on, told = _state(made)
    assert stages == ["initiate", "initial-meeting"] and lifted_on == TODAY and told == 1
    concern = text_of(client.get(f"/concerns/{made.concern.id}").get_data(as_text=True))
    assert "Record the next stage" in concern


def test_a_chair_of_a_council_opens_concerns_and_embargoes_and_no_other_chair_does(app, client):
    made = _mertons()
    sign_in(client, made.police_chair)
    assert start(client, made.other).status_code == 403
    assert place(client, made.other).status_code == 403
    page = text_of(client.get(f"/providers/{made.other.id}").get_data(as_text=True))
    assert "Start the provider concerns process" not in page and "Place an embargo" not in page
    sign_in(client, made.harrow_chair)
    page = text_of(client.get(f"/providers/{made.other.id}").get_data(as_text=True))
    assert "Start the provider concerns process" in page and "Place an embargo" in page
    assert start(client, made.other).status_code == 302
    assert place(client, made.other).status_code == 302
    opened = db.session.scalar(
        sa.select(ProviderConcern).where(ProviderConcern.provider_id == made.other.id)
    )
    assert opened is not None and opened.opened_by_id == made.harrow_chair.id
    # Harrow's records are Harrow's: Merton's chair reads them and acts on none.
    embargo = db.session.scalar(sa.select(Embargo).where(Embargo.provider_id == made.other.id))
    sign_in(client, made.merton_chair)
    assert client.get(f"/concerns/{opened.id}").status_code == 200
    assert client.get(f"/concerns/{opened.id}/stages/new").status_code == 403
    assert client.get(f"/embargoes/{embargo.id}").status_code == 200
    assert lift(client, embargo).status_code == 403


def test_an_unknown_concern_or_embargo_is_still_not_found_for_any_chair(app, client):
    made = _mertons()
    sign_in(client, made.harrow_chair)
    assert client.get("/concerns/999999/stages/new").status_code == 404
    assert client.get("/embargoes/999999/lift").status_code == 404
    assert client.get("/embargoes/999999/notice.pdf").status_code == 404
