"""Journeys as people click through them, in a browser with JavaScript and in one without.

Every page reached is checked with axe-core (see people.Person.arrived). The journeys of
one module share a live site and its scene, so each run (with and without JavaScript) uses
words and meetings of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Browser, FilePayload, expect

from portal import clock
from tests.browser.people import Browsing, Person, accessibility_problems
from tests.browser.site import Scene, Site
from tests.conftest import SUITE_DAY
from tests.meetings.helpers import pdf_text

NewContext = Callable[..., Browsing]
ROTA = b"date,shift,carers,residents\n2026-11-02,night,2,30\n2026-11-03,night,2,31\n"
#: Every journey's meeting is on this day: none is another's "last meeting", so each pack
#: counts the scene's intelligence as new.
MEETING_DAY = SUITE_DAY + timedelta(days=14)


def create_meeting(chair: Person, title: str) -> None:
    """The chair creates a meeting on MEETING_DAY, every agency invited (the form's default)."""
    chair.navigate("Meetings")
    chair.follow("Create a meeting")
    chair.expect_heading("Create a meeting")
    chair.field("Day").fill(str(MEETING_DAY.day))
    chair.field("Month").fill(str(MEETING_DAY.month))
    chair.field("Year").fill(str(MEETING_DAY.year))
    chair.field("Title").fill(title)
    chair.field("Location (optional)").fill("Merton Civic Centre")
    chair.press("Create meeting")
    chair.expect_heading(title)
    expect(chair.main.locator(".govuk-notification-banner")).to_contain_text("Meeting created")


def open_minutes(person: Person, meeting: str) -> None:
    """From anywhere with the service navigation: Meetings, the meeting, its minutes."""
    person.navigate("Meetings")
    person.follow(meeting)
    person.follow("Attendance, discussions, decisions and actions")
    person.expect_heading("Minutes")


def test_a_member_is_asked_to_sign_in_and_then_sees_the_page_they_asked_for(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    person = Person(new_context(javascript), site, scene.member)
    person.visit("/search")
    person.expect_heading("Sign in")
    expect(person.main).to_contain_text("Sign in to see this page.")
    person.capture("sign-in")

    person.field("Email address").fill(scene.member.email)
    person.field("Password").fill("not the password at all")
    person.press("Sign in")
    expect(person.main.locator(".govuk-error-summary")).to_contain_text(
        "The email address or password is incorrect"
    )

    person.sign_in(lands_on="Search")


def test_a_member_logs_an_item_with_an_attachment_and_finds_it_by_every_route(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    word = "larkspur" if javascript else "foxglove"  # in this journey's body alone
    title = f"Night staffing below safe levels on the {'first' if javascript else 'ground'} floor"
    observed = clock.today() - timedelta(days=2)
    person = Person(new_context(javascript), site, scene.member)
    person.sign_in()

    person.navigate("Log intelligence")
    person.field("Which provider is it about?").fill("cedar lodge")
    person.press("Search")
    person.follow(scene.cedar.name)
    person.expect_heading("Log intelligence")
    person.capture("log-intelligence")
    person.press("Log intelligence")  # too soon: the form says what is missing
    expect(person.main.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    person.field("Day").fill(str(observed.day))
    person.field("Month").fill(str(observed.month))
    person.field("Year").fill(str(observed.year))
    person.field("Title").fill(title)
    person.field("What you learnt").fill(
        f"The rota showed two carers on nights for 30 residents; the {word} unit had none."
    )
    person.choose("Which key question is it about?", "Safe")
    person.tick("Themes", "Staffing")
    person.choose("How likely is it to happen again?", "4 ")
    person.choose("How much harm could it cause?", "4 ")
    person.choose("Source evaluation", "1 ")
    person.choose("Intelligence assessment", "B ")
    person.choose("Handling code", "P ")
    person.choose("Sharing marking", "TLP:GREEN")
    person.field("Attachments (optional)").set_input_files(
        files=[FilePayload(name="night-rota.csv", mimeType="text/csv", buffer=ROTA)]
    )
    person.press("Log intelligence")
    person.expect_heading(title)
    expect(person.main.locator(".govuk-notification-banner")).to_contain_text("Intelligence logged")
    assert person.download("night-rota.csv") == ROTA

    person.navigate("Search")
    person.field("Search intelligence and providers").fill(word)
    person.press("Search")
    expect(person.main.get_by_role("link", name=title)).to_be_visible()
    person.capture("search")
    person.follow(title)
    person.expect_heading(title)

    for typed in ("sw192hl", "Ceder Lodge"):  # a postcode as typed, and a name with a typo
        person.navigate("Providers")
        person.field("Name, CQC ID or postcode").fill(typed)
        person.press("Apply filters")
        person.follow(scene.cedar.name)
        person.expect_heading(scene.cedar.name)
        expect(person.main.get_by_role("link", name=title)).to_be_visible()
    person.capture("provider")

    person.navigate("Home")
    expect(person.main.get_by_role("link", name=title)).to_be_visible()
    risks = person.main.get_by_role("table", name=re.compile("highest current risk"))
    expect(risks.get_by_role("row").filter(has_text=scene.cedar.name)).to_contain_text("16")
    person.capture("home")
    person.main.get_by_role("heading", name=re.compile("Highest risk score by month")).evaluate(
        "heading => heading.scrollIntoView()"
    )
    person.capture("heatmap")


def test_a_police_officer_cannot_find_a_red_council_item_by_any_route(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    author = Person(new_context(javascript), site, scene.member)
    author.sign_in()
    author.navigate("Search")
    author.field("Search intelligence and providers").fill(scene.red_word)
    author.press("Search")
    expect(author.main.get_by_role("link", name=scene.red_title)).to_be_visible()

    person = Person(new_context(javascript), site, scene.police)
    person.sign_in()
    red = person.main.get_by_role("link", name=scene.red_title)
    risks = person.main.get_by_role("table", name=re.compile("highest current risk"))
    rosemary = risks.get_by_role("row").filter(has_text=scene.rosemary.name)
    expect(rosemary).to_contain_text("Moderate")  # from the GREEN item alone, not the RED
    expect(red).to_have_count(0)

    person.navigate("Search")
    person.field("Search intelligence and providers").fill(scene.red_word)
    person.press("Search")
    expect(person.main).to_contain_text("0 results")
    expect(red).to_have_count(0)

    for typed in (scene.rosemary.postcode.lower(), "rosemary court"):
        person.navigate("Providers")
        person.field("Name, CQC ID or postcode").fill(typed)
        person.press("Apply filters")
        person.follow(scene.rosemary.name)
        expect(person.main.get_by_role("link", name=scene.green_title)).to_be_visible()
        expect(red).to_have_count(0)

    person.navigate("Intelligence")
    expect(person.main.get_by_role("link", name=scene.green_title)).to_be_visible()
    expect(red).to_have_count(0)

    person.visit(f"/intelligence/{scene.red_id}")
    person.expect_heading("Page not found")


def test_a_chair_builds_and_issues_a_meeting_pack_and_downloads_its_pdf(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    group = "Joint Intelligence Group" if javascript else "Provider Quality Forum"
    title = f"{group} – {MEETING_DAY:%B %Y}"
    reason = "Families raised visiting restrictions with Healthwatch and the council."
    chair = Person(new_context(javascript), site, scene.chair)
    chair.sign_in()
    create_meeting(chair, title)
    agenda = chair.main.get_by_role("table", name=re.compile("for discussion"))
    expect(agenda).to_contain_text(scene.cedar.name)  # proposed: its risk is high
    expect(agenda).not_to_contain_text(scene.rosemary.name)  # moderate without the RED item

    chair.follow("Add a provider to the agenda")
    chair.field("Provider name, CQC ID or postcode").fill("rosemary")
    chair.press("Find provider")
    chair.follow(scene.rosemary.name)
    chair.field("Why should the group discuss this provider?").fill(reason)
    chair.press("Add to the agenda")
    expect(chair.main.locator(".govuk-notification-banner")).to_contain_text(
        f"{scene.rosemary.name} added to the agenda"
    )
    row = agenda.get_by_role("row").filter(has_text=scene.rosemary.name)
    expect(row).to_contain_text(reason)
    # The row's controls: a box to select it and its place in the order (test_agenda_order.py).
    expect(row.get_by_label(f"Select {scene.rosemary.name}", exact=True)).to_be_visible()
    expect(row.get_by_label(f"Order of {scene.rosemary.name}", exact=True)).to_be_visible()

    chair.follow("Preview the pack")
    expect(chair.main).to_contain_text("preview, not issued")
    rosemary = chair.main.get_by_role(
        "heading", name=re.compile(r"^\d+\. " + re.escape(scene.rosemary.name) + "$")
    )
    expect(rosemary).to_be_visible()
    expect(chair.main.get_by_role("heading", name=scene.green_title)).to_be_visible()
    expect(chair.main).not_to_contain_text(scene.red_title)
    chair.back()
    chair.expect_heading(title)

    chair.follow("Issue the pack")
    chair.expect_heading("Issue version 1 of the pack")
    expect(chair.main).to_contain_text("Members and chairs of:")
    expect(chair.main).to_contain_text("never in a pack, whoever issues it")
    chair.press("Issue version 1")
    expect(chair.main.locator(".govuk-notification-banner")).to_contain_text(
        "Pack version 1 issued"
    )
    # Named "PDF , version 1": Chromium puts a space before a visually hidden span.
    pdf = chair.download(re.compile(r"^PDF\W+version 1$"))
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    assert "Meeting pack, version 1" in text and "OFFICIAL-SENSITIVE" in text
    for shown in (scene.cedar.name, scene.rosemary.name, scene.green_title, reason):
        assert shown in text, shown
    assert scene.red_title not in text and scene.red_word not in text

    chair.follow(re.compile(r"^read in the browser\W+version 1$"))
    chair.expect_heading(title)
    expect(chair.main).to_contain_text("Meeting pack, version 1")
    expect(chair.main).not_to_contain_text(scene.red_title)
    chair.capture("meeting-pack")
    chair.main.locator("#heatmaps").evaluate("section => section.scrollIntoView()")
    chair.capture("pack-heatmap")


def test_an_action_is_updated_by_its_owner_agency_and_by_no_other(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    group = "Contract Monitoring Review" if javascript else "Quality Assurance Panel"
    meeting = f"{group} – {MEETING_DAY:%B %Y}"
    action = f"Police to share the {'night' if javascript else 'weekend'} call-out log"
    note = "Log shared with the council's quality assurance team; no pattern found."
    chair = Person(new_context(javascript), site, scene.chair)
    chair.sign_in()
    create_meeting(chair, meeting)
    chair.follow("Attendance, discussions, decisions and actions")
    chair.follow("Add an action")
    chair.field("Provider").select_option(label=scene.cedar.name)
    chair.field("Action").fill(action)
    chair.field("Owner agency").select_option(label="Metropolitan Police Service")
    due = MEETING_DAY + timedelta(days=28)
    chair.field("Day").fill(str(due.day))
    chair.field("Month").fill(str(due.month))
    chair.field("Year").fill(str(due.year))
    chair.press("Add action")
    chair.expect_heading("Minutes")
    row = chair.main.get_by_role("row").filter(has_text=action)
    expect(row).to_contain_text("Metropolitan Police Service")
    expect(row).to_contain_text("Open")

    owner = Person(new_context(javascript), site, scene.police)
    owner.sign_in()
    owner_actions = owner.main.get_by_role("table", name=re.compile("open actions? owned by"))
    expect(owner_actions).to_contain_text(action)
    open_minutes(owner, meeting)
    owner.follow(f"Update the action: {action}")
    owner.expect_heading("Update an action")
    update_path = owner.page.url.removeprefix(site.url)  # for the typed address below
    owner.choose("Status", "Done")
    owner.press("Save")  # done needs a closing note: the form says so
    expect(owner.main.locator(".govuk-error-summary")).to_contain_text("Enter a closing note")
    owner.field("Closing note").fill(note)
    owner.press("Save")
    owner.expect_heading("Minutes")
    expect(owner.main.locator(".govuk-notification-banner")).to_contain_text("Action updated")
    expect(owner.main.get_by_role("row").filter(has_text=action)).to_contain_text(f"Done: {note}")
    owner.navigate("Home")
    expect(owner.main.get_by_text(action)).to_have_count(0)  # closed, so no longer open

    other = Person(new_context(javascript), site, scene.member)  # the council, not the owner
    other.sign_in()
    open_minutes(other, meeting)
    expect(other.main.get_by_role("row").filter(has_text=action)).to_contain_text(f"Done: {note}")
    expect(other.main.get_by_role("link", name=re.compile("^Update"))).to_have_count(0)
    other.visit(update_path)
    other.expect_heading("Page not found")


def test_the_pages_own_scripts_run_under_the_strict_content_security_policy(
    browser: Browser, site: Site
) -> None:
    context = browser.new_context()  # no bypass_csp: the policy as a person's browser applies it
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text))
        page.goto(site("/sign-in"))
        expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))
        expect(page.get_by_role("button", name="Show password")).to_be_visible()
        assert [text for text in refused if "Content Security Policy" in text] == []
    finally:
        context.close()


def test_the_accessibility_check_names_the_rule_and_the_element_that_breaks_it(
    new_context: NewContext, site: Site, scene: Scene
) -> None:
    person = Person(new_context(javascript=True), site, scene.member)
    person.visit("/sign-in")
    person.page.locator("label[for=email]").evaluate("label => label.remove()")
    problems = accessibility_problems(person.page)
    assert any(p.startswith("label (critical)") and p.endswith("#email") for p in problems), (
        problems
    )
