"""Real gunicorn workers writing and searching at once neither corrupt the Whoosh index
nor fail a request.

Gunicorn hands each request to whichever worker is free, so a search straight after a
write usually lands in another process than the write did: each search must first apply
the change log to the shared index folder (under Whoosh's writer lock) to find it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from whoosh import index as whoosh_index

from portal.config import PROJECT_ROOT
from portal.extensions import db
from portal.models import IntelligenceItem, Provider, Role
from portal.search.whoosh_engine import META_ID, WhooshEngine
from tests import factories
from tests.conftest import api_token_for

WORKERS = 3
WRITERS = 6
ROUNDS = 8
#: Every item's body has it, so a search for it counts every item.
COMMON_WORD = "marmoset"
REQUEST_SECONDS = 60
START_SECONDS = 90
#: Generous: another engineer's benchmarks share this machine.
CLIENTS_SECONDS = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(app, database_url: str) -> dict[str, str]:
    """The environment of the server and the CLI: this test's database and instance folder.

    PORTAL_ENV=production, as gunicorn is deployed: it needs only PORTAL_SECRET_KEY
    (session cookies are not marked secure unless told, and the API uses bearer tokens),
    and, unlike "test", it does not set TESTING, so an error is answered 500 and logged
    the way a real server would rather than propagated.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_"))}
    env |= {
        "PORTAL_ENV": "production",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_SEARCH_ENGINE": "whoosh",
        "PORTAL_SECRET_KEY": "gunicorn-workers-test-" + "k" * 40,
        # The reader searches without pause: far past the per-user search limit.
        "PORTAL_SEARCH_RATE_LIMIT": "1000000 per minute",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env


def pids_that_answered(access_log: Path, path_prefix: str) -> set[str]:
    """The worker process ids the access log shows answering requests for the path."""
    pids = set()
    for line in access_log.read_text().splitlines():
        pid, _, request_line = line.partition(" ")
        if request_line.split(" ")[1:2] and request_line.split(" ")[1].startswith(path_prefix):
            pids.add(pid)
    return pids


@contextmanager
def gunicorn(env: dict[str, str], scratch: Path) -> Iterator[str]:
    """Run `gunicorn --workers 3 portal.wsgi:app` until the block ends; yield its base URL.

    Its log is scratch/gunicorn.log; scratch/access.log has "<PID> REQUEST-LINE STATUS" a line.
    """
    port = free_port()
    log_path = scratch / "gunicorn.log"
    heartbeat = scratch / "gunicorn-tmp"
    heartbeat.mkdir()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--worker-tmp-dir",
        str(heartbeat),
        "--no-control-socket",  # else ~/.gunicorn/gunicorn.ctl, outside tmp_path
        "--access-logfile",
        str(scratch / "access.log"),
        "--access-logformat",
        "%(p)s %(r)s %(s)s",
        "portal.wsgi:app",
    ]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"gunicorn did not answer in {START_SECONDS} s:\n{log_path.read_text()}"
                )
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


@dataclass
class Client:
    """Calls the API with a bearer token; records every answer that is not 2xx."""

    base: str
    token: str
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, method: str, path: str, body: dict | None = None) -> dict | None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")[:2000]
            self.fail(f"{method} {path}: HTTP {exc.code}: {text}")
        except Exception as exc:  # noqa: BLE001 - any failure fails the test
            self.fail(f"{method} {path}: {type(exc).__name__}: {exc}")
        return None

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def search(self, words: str) -> dict | None:
        return self.call("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": words}))


def item_fields(provider_id: int, word: str, n: int) -> dict:
    return {
        "provider_id": provider_id,
        "observed_on": "2026-10-05",
        "title": f"Visit note {n}",
        "body": f"Visit {n}: a {COMMON_WORD} and a {word} seen in the garden.",
        "key_question": "safe",
        "themes": ["staffing"],
        "likelihood": 2,
        "impact": 3,
        "source_evaluation": 1,
        "intelligence_assessment": "B",
        "handling_code": "P",
        "marking": "GREEN",
    }


@pytest.mark.committed
def test_gunicorn_workers_writing_and_searching_at_once_neither_fail_nor_corrupt(
    app, database_url, tmp_path
):
    started = time.monotonic()
    writers = [
        factories.user(Role.MEMBER, factories.agency("MERTON")),
        factories.user(Role.CHAIR, factories.agency("CQC")),
        factories.user(Role.MEMBER, factories.agency("MPS")),
    ]
    viewer = factories.user(Role.VIEWER, factories.agency("HARROW"))
    home = factories.provider(name="Larch House")
    db.session.commit()
    home_id = home.id  # threads have no app context to load it in
    writer_tokens = [api_token_for(user) for user in writers]
    viewer_token = api_token_for(viewer)
    env = server_environment(app, database_url)

    failures: list[str] = []
    lock = threading.Lock()
    created: dict[str, int] = {}  # unique word -> item id
    progress = {"rounds": 0, "finished": 0}
    halfway = threading.Event()
    reindexed = threading.Event()
    writers_done = threading.Event()

    def finish_writer() -> None:
        with lock:
            progress["finished"] += 1
            if progress["finished"] == WRITERS:
                halfway.set()  # all gone (some may have crashed): do not wait for more

    def write_and_search(number: int, base: str) -> None:
        try:
            write_and_search_rounds(number, base)
        except BaseException:  # noqa: BLE001 - a crashed client fails the test
            with lock:
                failures.append(f"writer {number} crashed:\n{traceback.format_exc()}")
        finally:
            finish_writer()

    def write_and_search_rounds(number: int, base: str) -> None:
        client = Client(base, writer_tokens[number % len(writer_tokens)], failures, lock)
        mine = 0
        for n in range(ROUNDS):
            if n == ROUNDS - 1:
                # The last round runs against the rebuilt index.
                reindexed.wait(CLIENTS_SECONDS)
            word = f"quoll{number}x{n}"
            item = client.call("POST", "/api/v1/intelligence", item_fields(home_id, word, n))
            if item is not None:
                with lock:
                    created[word] = item["id"]
                mine += 1
                # Read your write: the search is usually answered by another worker.
                found = client.search(word)
                if found is not None and [h["id"] for h in found["hits"]] != [item["id"]]:
                    client.fail(f"search {word} after creating item {item['id']}: {found}")
            if n % 2:
                common = client.search(COMMON_WORD)
                if common is not None and common["total"] < mine:
                    client.fail(f"search {COMMON_WORD}: {common['total']} < {mine} of mine")
            with lock:
                progress["rounds"] += 1
                if progress["rounds"] >= WRITERS * ROUNDS // 2:
                    halfway.set()

    def keep_searching(base: str) -> None:
        client = Client(base, viewer_token, failures, lock)
        try:
            while not writers_done.is_set():
                client.search(COMMON_WORD)
                client.search(f"{COMMON_WORD} OR quoll0x0")
        except BaseException:  # noqa: BLE001 - a crashed client fails the test
            client.fail(f"the reader crashed:\n{traceback.format_exc()}")

    reindex_result: subprocess.CompletedProcess | None = None
    with gunicorn(env, tmp_path) as base:
        threads = [
            threading.Thread(target=write_and_search, args=(n, base)) for n in range(WRITERS)
        ]
        reader = threading.Thread(target=keep_searching, args=(base,))
        for thread in [*threads, reader]:
            thread.start()
        try:
            # Halfway through, rebuild the index from another process while clients go on.
            assert halfway.wait(CLIENTS_SECONDS), f"the clients stalled: {failures}"
            current = Path(app.instance_path) / "search" / "CURRENT"
            before = current.read_text()  # the workers built the first index themselves
            portal_command = os.path.join(os.path.dirname(sys.executable), "portal")
            reindex_result = subprocess.run(
                [portal_command, "search", "reindex"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=CLIENTS_SECONDS,
            )
        finally:
            reindexed.set()
            for thread in threads:
                thread.join(CLIENTS_SECONDS)
            writers_done.set()
            reader.join(CLIENTS_SECONDS)
        assert not any(t.is_alive() for t in [*threads, reader]), "a client never finished"
        assert reindex_result.returncode == 0, reindex_result.stderr
        assert "Rebuilt the search index" in reindex_result.stdout
        assert current.read_text() != before  # swapped while the clients kept going
        log = (tmp_path / "gunicorn.log").read_text()
        assert failures == [], "\n".join([*failures, "gunicorn's log:", log])
        assert "Traceback" not in log and "WORKER TIMEOUT" not in log, log
        assert len(created) == WRITERS * ROUNDS

        # Afterwards, through the server: every word finds exactly its item ...
        check = Client(base, viewer_token)
        for word, item_id in sorted(created.items()):
            found = check.search(word)
            assert found is not None and found["total"] == 1, (word, found)
            assert [h["id"] for h in found["hits"]] == [item_id], (word, found)
        # ... and the word they all share counts every item in the database.
        db.session.rollback()
        in_database = db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem))
        assert in_database == WRITERS * ROUNDS
        common = check.search(COMMON_WORD)
        assert check.failures == [], "\n".join(check.failures)
        assert common is not None and common["total"] == in_database

    # Several workers really did answer the writes and the searches.
    access_log = tmp_path / "access.log"
    assert len(pids_that_answered(access_log, "/api/v1/intelligence")) >= 2, access_log.read_text()
    assert len(pids_that_answered(access_log, "/api/v1/search")) >= 2, access_log.read_text()

    # The index on disk opens and reads cleanly, and matches the database one to one.
    engine = WhooshEngine(app.instance_path)
    assert engine.catch_up() == 0  # the workers left nothing unapplied
    root = Path(app.instance_path) / "search"
    live = whoosh_index.open_dir(str(root / (root / "CURRENT").read_text().strip()))
    providers = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
    with live.searcher() as searcher:
        doc_ids = [fields["doc_id"] for fields in searcher.all_stored_fields()]
    expected = (
        {f"item:{i}" for i in created.values()}
        | {f"provider:{p}" for p in db.session.scalars(sa.select(Provider.id))}
        | {META_ID}
    )
    assert sorted(doc_ids) == sorted(expected)  # nothing lost, nothing doubled
    assert live.doc_count() == WRITERS * ROUNDS + providers + 1
    live.close()
    print(f"\n{database_url.split(':')[0]}: {time.monotonic() - started:.1f} s")
