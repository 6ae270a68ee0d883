"""The provider list and provider page, as each role sees them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import ConcernStage, ItemStatus, Marking, Role
from tests import factories
from tests.providers.conftest import embargo, named_provider, open_concern


@pytest.fixture
def register(app, chair):
    """A small register in Merton and Harrow, one with a concern and one embargoed."""
    george = named_provider(
        "St. George's Care Home",
        ratings={"overall": "Inadequate", "safe": "Inadequate", "caring": "Good"},
        service_types=["care-home-nursing"],
        cqc_location_id="1-111111111",
        postcode="SW19 2HL",
        postcode_district="SW19",
        latitude=51.4183,
        longitude=-0.1970,
        address="12 Church Road\nWimbledon",
    )
    willow = named_provider(
        "Willow Court",
        ratings={"overall": "Good"},
        service_types=["care-home"],
        cqc_location_id="1-222222222",
        postcode="SW20 0AB",
        postcode_district="SW20",
    )
    harrow = named_provider(
        "Harrow View",
        cqc_location_id="1-333333333",
        postcode="HA1 1AA",
        postcode_district="HA1",
        local_authority="Harrow",
        service_types=["domiciliary"],
    )
    open_concern(george, chair, stages=[ConcernStage.INITIATE, ConcernStage.FINDINGS_MEETING])
    embargo(willow, chair, clock.today() - timedelta(days=3), boroughs=["Sutton", "Kingston"])
    embargo(harrow, chair, date(2020, 1, 1), date(2020, 6, 1))  # long over
    db.session.commit()
    return {"george": george, "willow": willow, "harrow": harrow}


def listed(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [
        name
        for name in ("St. George&#39;s Care Home", "Willow Court", "Harrow View")
        if name in html
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["St. George&#39;s Care Home", "Willow Court", "Harrow View"]),
        ("?local_authority=Harrow", ["Harrow View"]),
        ("?service_type=care-home", ["Willow Court"]),
        ("?rating=Inadequate", ["St. George&#39;s Care Home"]),
        ("?rating=none", ["Harrow View"]),
        ("?open_concern=y", ["St. George&#39;s Care Home"]),
        ("?active_embargo=y", ["Willow Court"]),
        ("?q=st+gorges", ["St. George&#39;s Care Home"]),
        ("?q=1-222222222", ["Willow Court"]),
        ("?q=sw&local_authority=Merton", ["St. George&#39;s Care Home", "Willow Court"]),
        ("?local_authority=Nowhere", ["St. George&#39;s Care Home", "Willow Court", "Harrow View"]),
    ],
)
def test_the_list_is_filtered_without_javascript(client, login_as, register, query, expected):
    login_as(Role.VIEWER)
    response = client.get(f"/providers{query}")
    assert response.status_code == 200
    assert listed(response) == expected


def test_a_postcode_search_lists_the_nearest_first_with_an_approximate_distance(
    client, login_as, register
):
    login_as(Role.MEMBER)
    html = client.get("/providers?q=SW19+2HL").get_data(as_text=True)
    assert "Nearest to SW19 2HL first" in html
    assert "under 0.1&nbsp;km" in html  # the provider in the district searched for
    assert "0.0 km" not in html  # a distance that reads as none at all
    assert "measured from the centre of its postcode district" in html
    html = client.get("/providers?q=sw").get_data(as_text=True)
    assert html.index("St. George") < html.index("Willow Court")


def test_an_invalid_postcode_gets_a_clear_message(client, login_as, register):
    login_as(Role.MEMBER)
    html = client.get("/providers?q=SW19+2CI").get_data(as_text=True)
    assert "There is a problem" in html
    assert "is not a valid UK postcode" in html
    assert 'value="SW19 2CI"' in html


def test_the_list_pages_keep_the_filters(app, client, login_as):
    app.config["PORTAL"]["page_size"] = 2
    for n in range(5):
        named_provider(f"Home {n}", local_authority="Merton")
    db.session.commit()
    login_as(Role.VIEWER)
    html = client.get("/providers?local_authority=Merton&page=2").get_data(as_text=True)
    assert "Home 2" in html and "Home 3" in html and "Home 1" not in html
    assert "local_authority=Merton" in html and "page=3" in html


def test_the_provider_page_shows_details_ratings_concern_and_embargo(client, login_as, register):
    login_as(Role.VIEWER)
    html = client.get(f"/providers/{register['george'].id}").get_data(as_text=True)
    assert "12 Church Road<br>Wimbledon<br>" in html
    assert "Care home service with nursing" in html
    assert "Inadequate" in html and "30 June 2025" in html
    assert "Current stage: <strong>Findings meeting</strong>" in html
    assert "There is no embargo in force or to come" in html
    html = client.get(f"/providers/{register['willow'].id}").get_data(as_text=True)
    assert "In force</strong>" in html and "Sutton" in html and "Kingston" in html
    html = client.get(f"/providers/{register['harrow'].id}").get_data(as_text=True)
    assert "There is no embargo in force or to come" in html  # the 2020 embargo is over


def test_an_unknown_provider_is_not_found(client, login_as, register):
    login_as(Role.VIEWER)
    assert client.get("/providers/999999").status_code == 404


def test_the_timeline_shows_only_what_the_user_may_read_newest_first(client, login_as, register):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    george = register["george"]
    factories.item(
        officer, Marking.GREEN, george, title="Older green", observed_on=date(2026, 1, 5)
    )
    factories.item(
        officer,
        Marking.AMBER,
        george,
        title="Newer amber",
        observed_on=clock.today(),
        likelihood=5,
        impact=4,
    )
    factories.item(officer, Marking.RED, george, title="Police red", observed_on=clock.today())
    factories.item(
        officer,
        Marking.GREEN,
        george,
        title="Pulled back",
        status=ItemStatus.WITHDRAWN,
        observed_on=date(2026, 2, 1),
    )
    db.session.commit()
    login_as(Role.MEMBER)
    html = client.get(f"/providers/{george.id}").get_data(as_text=True)
    assert "Police red" not in html
    assert html.index("Newer amber") < html.index("Pulled back") < html.index("Older green")
    assert "Withdrawn" in html
    assert "TLP:AMBER" in html
    assert "20<span aria-hidden" in html  # current risk 5 x 4, from what the member may read
    assert "highest score among the open items observed in the last 3 months" in html


def test_the_timeline_table_has_a_caption_and_column_headers_but_no_provider_column(
    client, login_as, register
):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    factories.item(officer, Marking.GREEN, register["george"], title="Only item")
    db.session.commit()
    login_as(Role.MEMBER)
    html = client.get(f"/providers/{register['george'].id}").get_data(as_text=True)
    table = html[html.index('aria-labelledby="timeline-caption"') :]
    table = table[: table.index("</table>")]
    assert re.search(r'<caption[^>]*id="timeline-caption">1 item, newest observed first<', table)
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
    phone_only = r'<span class="portal-show-until-tablet[^"]*">(.*?)</span>'
    assert [re.sub(phone_only, "", h) for h in headers] == [
        "Observed",
        "Title",
        "Key question",
        "Agency",
        "Marking",
        "Risk",
    ]
    assert re.findall(phone_only, headers[0]) == [", marking and risk"]  # on a phone, beside


def test_a_viewer_of_another_agency_sees_neither_amber_items_nor_their_risk(
    client, login_as, register
):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    factories.item(
        officer,
        Marking.AMBER,
        register["george"],
        title="Amber only",
        observed_on=clock.today(),
        likelihood=5,
        impact=5,
    )
    db.session.commit()
    login_as(Role.VIEWER)
    html = client.get(f"/providers/{register['george'].id}").get_data(as_text=True)
    assert "Amber only" not in html
    assert "25<span" not in html
    assert "No open intelligence you can read" in html


def test_timeline_titles_link_to_the_item_page_when_there_is_one(app, client, login_as, register):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    item = factories.item(officer, Marking.GREEN, register["george"], title="Linked item")
    db.session.commit()
    login_as(Role.MEMBER)
    html = client.get(f"/providers/{register['george'].id}").get_data(as_text=True)
    if "intelligence.view_item" in app.view_functions:
        assert f'href="/intelligence/{item.id}"' in html
    else:
        assert "Linked item" in html


def test_only_administrators_see_the_change_links(client, login_as, register):
    login_as(Role.CHAIR)
    html = client.get(f"/providers/{register['george'].id}").get_data(as_text=True)
    assert "Change details" not in html
    assert "Add a provider" not in client.get("/providers").get_data(as_text=True)
