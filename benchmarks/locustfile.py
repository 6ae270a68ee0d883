"""The request mix for benchmarks/load.py (Locust reads this file; it is not run alone).

A signed-in member browses as partner staff do: the dashboard, provider pages, a
provider search by postcode, full-text search, item pages, and logs an item through
the API now and then; two chairs preview the next meeting's pack. `HealthzUser` asks only for
/healthz: the ceiling of the server. load.py names the classes to run on Locust's command line.
The fixture (ids, words, the session cookie, the API token) comes from the JSON file
named by LOAD_FIXTURE; every item the API accepted is written to LOAD_POSTED.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, task

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["LOAD_FIXTURE"]).read_text())
POSTED = Path(os.environ["LOAD_POSTED"])


class MemberUser(HttpUser):
    """A partner agency member at work."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        """Signed in: the session cookie the fixture made for the member."""
        self.client.cookies.set("session", FIXTURE["session_cookie"])
        self.rng = random.Random()

    @task(3)
    def dashboard(self) -> None:
        """The home page with its heatmap and worklists."""
        self.client.get("/", name="dashboard")

    @task(3)
    def provider_page(self) -> None:
        """One provider with its risk and readable intelligence."""
        provider_id = self.rng.choice(FIXTURE["provider_ids"])
        self.client.get(f"/providers/{provider_id}", name="provider page")

    @task(2)
    def postcode_search(self) -> None:
        """Providers near a postcode district, nearest first."""
        district = self.rng.choice(FIXTURE["districts"])
        self.client.get("/providers", params={"q": district}, name="provider search (postcode)")

    @task(2)
    def full_text_search(self) -> None:
        """Intelligence and providers by words."""
        words = self.rng.choice(FIXTURE["search_words"])
        self.client.get("/search", params={"q": words}, name="full-text search")

    @task(3)
    def item_page(self) -> None:
        """One intelligence item the member may read."""
        item_id = self.rng.choice(FIXTURE["item_ids"])
        self.client.get(f"/intelligence/{item_id}", name="item page")

    @task(1)
    def log_item(self) -> None:
        """An agency's own system pushes an item through the API."""
        marker = f"loadmark{self.rng.randrange(10**12):012d}"
        body = {
            "provider_id": self.rng.choice(FIXTURE["provider_ids"]),
            "observed_on": FIXTURE["today"],
            "title": f"Load test {marker}",
            "body": f"Night staffing below plan on the {marker} shift.",
            "key_question": "safe",
            "themes": ["staffing"],
            "likelihood": 3,
            "impact": 4,
            "marking": "GREEN",
            "source_evaluation": 1,
            "intelligence_assessment": "B",
            "handling_code": "P",
        }
        headers = {"Authorization": f"Bearer {FIXTURE['api_token']}"}
        with self.client.post(
            "/api/v1/intelligence",
            json=body,
            headers=headers,
            name="log item (API)",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                with POSTED.open("a") as posted:
                    posted.write(json.dumps({"id": response.json()["id"], "marker": marker}) + "\n")
                response.success()
            else:
                response.failure(f"{response.status_code}")


class ChairUser(HttpUser):
    """A chair getting the month's meeting ready: the pack's preview, and the dashboard."""

    fixed_count = 2  # of the run's users; the rest are members
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        """Signed in: the session cookie the fixture made for the chair."""
        self.client.cookies.set("session", FIXTURE["chair_session_cookie"])

    @task(2)
    def pack_preview(self) -> None:
        """The meeting pack as it would be issued now (HTML), built from the live data."""
        self.client.get(FIXTURE["pack_preview_path"], name="pack preview")

    @task(1)
    def dashboard(self) -> None:
        """The home page with its heatmap and worklists."""
        self.client.get("/", name="dashboard")


class HealthzUser(HttpUser):
    """The trivial page, asked without pause: what the server answers at most."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        """GET /healthz."""
        self.client.get("/healthz", name="/healthz")
