"""Search speed at regional and national scale, through the Flask app, with yardsticks.

    .venv/bin/python benchmarks/search.py --scale regional              # SQLite + Whoosh
    .venv/bin/python benchmarks/search.py --scale national --engine postgres \\
        --database postgresql://postgres@127.0.0.1:5432/postgres       # PostgreSQL engine

Builds a synthetic corpus with a fixed seed (providers, items of 40-160 words drawn
from a Zipf-like care vocabulary, so common words appear in a large share of items),
then times five kinds of query (a common word, two words, a phrase, a prefix, a field
filter) through GET /api/v1/search as a viewer allowed about a third of the items,
totals and facets included. It prints the build rate, p50/p95 per kind, the time
until a new item is searchable, and the same queries run directly on SQLite FTS5
(and on raw PostgreSQL for the postgres engine) as yardsticks, with the ratios.
For PostgreSQL it creates a throwaway database next to the one named and drops it.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

SCALES = {"regional": (5_000, 20_000), "national": (50_000, 200_000)}
AGENCIES = ["MERTON", "HARROW", "CQC", "SWLICB", "MPS", "HWMERTON"]
MARKINGS = [("CLEAR", 10), ("GREEN", 20), ("AMBER", 30), ("AMBER+STRICT", 25), ("RED", 15)]
THEMES = [
    "medication",
    "staffing",
    "safeguarding",
    "falls",
    "infection-control",
    "nutrition",
    "complaints",
    "finance",
    "missed-visits",
    "environment",
    "leadership",
]
KEY_QUESTIONS = ["safe", "effective", "caring", "responsive", "well-led"]
COMMON = (
    "resident staff care manager visit home medication night family record plan "
    "concern room nurse call carer support service provider daughter son morning "
    "report team review evening agency shift training incident fall bruise meal "
    "fluid chart dignity complaint police hospital safeguarding referral"
).split()
PHRASES = ["care plan", "night staff", "missed visit", "registered manager", "food and fluid"]
SYLLABLES = "ba be bi bo bu da de di do ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to va ve vi".split()
QUERIES = {
    "common word": [
        "resident",
        "staff",
        "care",
        "medication",
        "visit",
        "night",
        "family",
        "record",
    ],
    "two words": ["medication night", "staff family", "care record", "resident fall", "nurse call"],
    "phrase": ['"care plan"', '"night staff"', '"missed visit"', '"registered manager"'],
    "prefix": ["medic*", "safeg*", "compl*", "resid*", "fami*"],
    "field filter": ["theme:falls", "theme:medication", "agency:mps", "theme:staffing night"],
}


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common care words first, then a long tail of made-up words, Zipf-weighted."""
    tail = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)}
    words = COMMON + sorted(tail - set(COMMON))
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(words))]
    return words, weights


def body_text(rng: random.Random, words: list[str], weights: list[float]) -> str:
    n = rng.randint(40, 160)
    chosen = rng.choices(words, weights, k=n)
    if rng.random() < 0.3:
        chosen.insert(rng.randrange(len(chosen)), rng.choice(PHRASES))
    return " ".join(chosen).capitalize() + "."


def build_corpus(providers: int, items: int, seed: int = 2026):
    """Rows for agencies, users, providers, items, themes and recipients (plain tuples)."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    today = date(2026, 11, 1)
    provider_rows = [
        (
            pid,
            f"{rng.choice(['Cedar', 'Oak', 'Rowan', 'Willow', 'Beech', 'Elm'])} {rng.choice(['Lodge', 'House', 'Court', 'Care'])} {pid}",
            f"SW{rng.randint(1, 20)} {rng.randint(1, 9)}AB",
        )
        for pid in range(1, providers + 1)
    ]
    item_rows, theme_rows, recipient_rows = [], [], []
    marking_pool = [m for m, w in MARKINGS for _ in range(w)]
    for iid in range(1, items + 1):
        agency = rng.randrange(len(AGENCIES)) + 1
        author = agency  # user n is a member of agency n
        marking = rng.choice(marking_pool)
        observed = today - timedelta(days=rng.randrange(420))
        title = " ".join(rng.choices(words[:200], weights[:200], k=rng.randint(3, 8))).capitalize()
        item_rows.append(
            (
                iid,
                rng.randint(1, providers),
                agency,
                author,
                observed,
                datetime.combine(observed, datetime.min.time()) + timedelta(hours=30),
                title,
                body_text(rng, words, weights),
                rng.choice(KEY_QUESTIONS),
                rng.randint(1, 5),
                rng.randint(1, 5),
                marking,
            )
        )
        for theme in rng.sample(THEMES, rng.randint(1, 2)):
            theme_rows.append((iid, theme))
        if marking == "RED":
            recipient_rows.append((iid, (author % len(AGENCIES)) + 1))
    return provider_rows, item_rows, theme_rows, recipient_rows


def cached_corpus(providers: int, items: int):
    """The corpus, generated once per machine (a national one takes minutes) and kept in
    the temporary folder; the seed is fixed, so the copy is what would be generated."""
    cache = Path(tempfile.gettempdir()) / f"portal-search-corpus-{providers}-{items}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # noqa: S301 - written by this script
    corpus = build_corpus(providers, items)
    temporary = cache.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(pickle.dumps(corpus))
    temporary.replace(cache)
    return corpus


def load(app, corpus) -> float:
    """Insert the corpus with bulk statements; seconds taken."""
    providers, items, themes, recipients = corpus
    started = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        now = datetime(2026, 11, 1)
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, code, name, kind, active, created_at) "
                "VALUES (:id, :code, :code, 'other', true, :now)"
            ),
            [{"id": n + 1, "code": code, "now": now} for n, code in enumerate(AGENCIES)],
        )
        users = [
            {"id": n + 1, "email": f"member{n}@example.gov.uk", "agency": n + 1, "role": "member"}
            for n in range(len(AGENCIES))
        ]
        users.append({"id": 99, "email": "viewer@example.gov.uk", "agency": 1, "role": "viewer"})
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, name, agency_id, role, active, created_at, failed_sign_ins) "
                "VALUES (:id, :email, :email, :agency, :role, true, :now, 0)"
            ),
            [u | {"now": now} for u in users],
        )
        conn.execute(
            sa.text(
                "INSERT INTO providers (id, name, name_key, address, postcode, care_home, dormant, "
                "created_at, updated_at) VALUES (:id, :name, :key, '', :postcode, true, false, :now, :now)"
            ),
            [
                {"id": p[0], "name": p[1], "key": p[1].lower(), "postcode": p[2], "now": now}
                for p in providers
            ],
        )
        postgres = db.engine.dialect.name == "postgresql"
        # On PostgreSQL each item is written with its theme codes, as a restored database
        # would hold them; the triggers of migration 0003 then find nothing to change
        # and the table is not rewritten after the load.
        codes: dict[int, list[str]] = {}
        for item_id, theme in sorted(themes):
            codes.setdefault(item_id, []).append(theme)
        extra_column, extra_value = (", search_themes", ", :themes") if postgres else ("", "")
        for start in range(0, len(items), 20_000):
            conn.execute(
                sa.text(
                    "INSERT INTO intelligence_items (id, provider_id, source_agency_id, author_id, observed_on, "
                    "logged_at, updated_at, title, body, key_question, likelihood, impact, source_evaluation, "
                    "intelligence_assessment, handling_code, handling_conditions, marking, status, revision_count"
                    f"{extra_column}) "
                    "VALUES (:id, :provider, :agency, :author, :observed, :logged, :logged, :title, :body, :kq, "
                    f":l, :i, '1', 'A', 'P', '', :marking, 'open', 1{extra_value})"
                ),
                [
                    dict(
                        zip(
                            (
                                "id",
                                "provider",
                                "agency",
                                "author",
                                "observed",
                                "logged",
                                "title",
                                "body",
                                "kq",
                                "l",
                                "i",
                                "marking",
                            ),
                            row,
                            strict=True,
                        )
                    )
                    | ({"themes": codes.get(row[0], [])} if postgres else {})
                    for row in items[start : start + 20_000]
                ],
            )
        if postgres:
            # One statement, so the triggers that copy each item's theme codes beside its
            # search vector (migration 0003) run once for the lot, not once per row.
            conn.execute(
                sa.text(
                    "INSERT INTO item_themes (item_id, theme) "
                    "SELECT * FROM unnest(CAST(:i AS integer[]), CAST(:t AS text[]))"
                ),
                {"i": [i for i, _ in themes], "t": [t for _, t in themes]},
            )
        else:
            conn.execute(
                sa.text("INSERT INTO item_themes (item_id, theme) VALUES (:i, :t)"),
                [{"i": i, "t": t} for i, t in themes],
            )
        if recipients:
            conn.execute(
                sa.text("INSERT INTO item_recipients (item_id, user_id) VALUES (:i, :u)"),
                [{"i": i, "u": u} for i, u in recipients],
            )
        if postgres:
            for table in ("agencies", "users", "providers", "intelligence_items"):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
        db.session.commit()
        if postgres:
            # Statistics and the visibility map, as autovacuum would leave them.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as maint:
                maint.execute(sa.text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_queries(run, rounds: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 in milliseconds per kind, over `rounds` runs of the kind's queries."""
    figures = {}
    for kind, queries in QUERIES.items():
        run(queries[0])  # warm
        samples = []
        for n in range(rounds):
            started = time.perf_counter()
            run(queries[n % len(queries)])
            samples.append((time.perf_counter() - started) * 1000)
        figures[kind] = (statistics.median(samples), percentile(samples, 0.95))
    return figures


def cpu_seconds() -> float:
    """CPU time of this process and of the processes it has waited for (the build's)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


#: Changes committed, one at a time, each looked for by the next search.
CHANGES = 5


def find_a_change(app, client, headers: dict[str, str], n: int) -> float:
    """Commit a new item, then search for its word: milliseconds until it is found."""
    word = f"zanzibarquokka{n}x{uuid.uuid4().hex[:8]}"  # new to every run of the script
    with app.app_context():
        from portal.models import IntelligenceItem, User

        author = db.session.get(User, 1)
        item = IntelligenceItem(
            provider_id=1,
            source_agency_id=1,
            author_id=author.id,
            observed_on=date(2026, 11, 1),
            title="Benchmark change",
            body=f"A {word} was seen in the lounge.",
            key_question="safe",
            likelihood=2,
            impact=2,
            source_evaluation="1",
            intelligence_assessment="A",
            handling_code="P",
            marking="GREEN",
        )
        db.session.add(item)
        db.session.commit()
        committed = time.perf_counter()
    response = client.get("/api/v1/search", query_string={"q": word}, headers=headers)
    found = (time.perf_counter() - committed) * 1000
    assert response.get_json()["total"] == 1
    return found


def readable_sql(viewer_agency: int = 1) -> str:
    """The policy's condition for the benchmark's viewer, written out for the yardsticks."""
    return (
        f"(marking IN ('CLEAR','GREEN') OR (marking IN ('AMBER','AMBER+STRICT') "
        f"AND source_agency_id = {viewer_agency}) OR (marking = 'RED' AND (author_id = 99 OR "
        f"id IN (SELECT item_id FROM item_recipients WHERE user_id = 99))))"
    )


def fts5_yardstick(corpus, rounds: int) -> dict[str, tuple[float, float]]:
    """The same queries straight on SQLite FTS5 (count + top 20 + marking facet)."""
    _, items, themes, _ = corpus
    folder = tempfile.mkdtemp()
    conn = sqlite3.connect(Path(folder) / "fts.db")
    conn.execute(
        "CREATE TABLE intelligence_items (id INTEGER PRIMARY KEY, source_agency_id, author_id, marking, observed_on)"
    )
    conn.execute("CREATE TABLE item_recipients (item_id, user_id)")
    conn.execute("CREATE TABLE item_themes (item_id, theme)")
    conn.execute("CREATE INDEX ix_themes ON item_themes (theme, item_id)")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5 (title, body, tokenize='porter')")
    conn.executemany(
        "INSERT INTO intelligence_items VALUES (?, ?, ?, ?, ?)",
        [(r[0], r[2], r[3], r[11], r[4].isoformat()) for r in items],
    )
    started = time.perf_counter()
    conn.executemany(
        "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", [(r[0], r[6], r[7]) for r in items]
    )
    conn.commit()
    built = time.perf_counter() - started
    print(
        f"SQLite FTS5 (one core, C) built its index of the items' titles and bodies at "
        f"{len(items) / built:,.0f} documents/s"
    )
    conn.executemany("INSERT INTO item_themes VALUES (?, ?)", themes)
    conn.commit()
    allowed = readable_sql()

    def run(query: str) -> None:
        if query.startswith(("theme:", "agency:")):
            field, _, rest = query.partition(":")
            value, _, words = rest.partition(" ")
            cond = (
                "id IN (SELECT item_id FROM item_themes WHERE theme = ?)"
                if field == "theme"
                else "source_agency_id = ?"
            )
            args = [value if field == "theme" else AGENCIES.index(value.upper()) + 1]
            if words:
                sql = f"FROM fts JOIN intelligence_items ON id = fts.rowid WHERE fts MATCH ? AND {cond} AND {allowed}"
                args = [words, *args]
            else:
                sql = f"FROM intelligence_items WHERE {cond} AND {allowed}"
        else:
            sql = f"FROM fts JOIN intelligence_items ON id = fts.rowid WHERE fts MATCH ? AND {allowed}"
            args = [query]
        conn.execute(f"SELECT count(*) {sql}", args).fetchone()
        conn.execute(f"SELECT marking, count(*) {sql} GROUP BY marking", args).fetchall()
        conn.execute(f"SELECT id {sql} LIMIT 20", args).fetchall()

    return time_queries(run, rounds)


def raw_postgres_yardstick(app, rounds: int) -> dict[str, tuple[float, float]]:
    """The same queries in plain SQL on the same PostgreSQL database (count + top 20 + facet).

    The policy's condition is written as the policy writes it (uncorrelated IN), so
    PostgreSQL may scan in parallel here as it does for the engine.
    """
    allowed = readable_sql()

    def run(query: str) -> None:
        if query.startswith(("theme:", "agency:")):
            field, _, rest = query.partition(":")
            value, _, words = rest.partition(" ")
            cond = (
                "id IN (SELECT item_id FROM item_themes WHERE theme = :v)"
                if field == "theme"
                else "source_agency_id = :v"
            )
            params = {"v": value if field == "theme" else AGENCIES.index(value.upper()) + 1}
            where = f"{cond} AND {allowed}"
            if words:
                where += " AND search_vector @@ plainto_tsquery('english', :q)"
                params["q"] = words
        else:
            fn = "phraseto_tsquery" if query.startswith('"') else "plainto_tsquery"
            text = query.strip('"')
            if text.endswith("*"):
                fn, text = "to_tsquery", text[:-1] + ":*"
            where = f"search_vector @@ {fn}('english', :q) AND {allowed}"
            params = {"q": text}
        with db.engine.connect() as conn:
            conn.execute(sa.text("SET jit = off"))  # as the engine does; JIT only adds here
            conn.execute(
                sa.text(f"SELECT count(*) FROM intelligence_items WHERE {where}"), params
            ).scalar()
            conn.execute(
                sa.text(
                    f"SELECT marking, count(*) FROM intelligence_items WHERE {where} GROUP BY marking"
                ),
                params,
            ).all()
            conn.execute(
                sa.text(
                    f"SELECT id FROM intelligence_items WHERE {where} ORDER BY observed_on DESC LIMIT 20"
                ),
                params,
            ).all()

    with app.app_context():
        return time_queries(run, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=SCALES, default="regional")
    parser.add_argument("--engine", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument(
        "--database",
        default=os.environ.get("PORTAL_BENCH_DATABASE_URL", ""),
        help="a PostgreSQL server URL (for --engine postgres)",
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--no-yardstick", action="store_true")
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="with --keep and Whoosh: time the queries on the index already built there",
    )
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="use (and keep) database NAME (PostgreSQL) or folder NAME (SQLite and its "
        "index), loading it only if it is empty",
    )
    args = parser.parse_args()

    n_providers, n_items = SCALES[args.scale]
    print(
        f"Scale {args.scale}: {n_providers:,} providers, {n_items:,} items; engine {args.engine}; "
        f"{os.cpu_count()} cores"
    )
    started = time.perf_counter()
    corpus = cached_corpus(n_providers, n_items)
    print(f"Generated (or read back) the corpus in {time.perf_counter() - started:.1f} s")

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    drop = None
    if args.engine == "postgres":
        if not args.database:
            sys.exit("--engine postgres needs --database or PORTAL_BENCH_DATABASE_URL")
        server = sa.engine.make_url(args.database.replace("postgresql://", "postgresql+psycopg://"))
        name = args.keep or f"portal_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        if args.keep:
            drop = None
    else:
        if args.keep:
            folder = Path(args.keep).resolve()
            folder.mkdir(parents=True, exist_ok=True)
        name = str(folder)
        url = f"sqlite:///{folder / 'bench.db'}"

    app = None
    try:
        app = create_app(
            {
                "env": "test",
                "database_url": url,
                "instance_path": str(folder),
                "search_engine": args.engine,
                "page_size": 20,
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        with app.app_context():
            loaded = db.session.scalar(sa.text("SELECT count(*) FROM agencies"))
        if loaded:
            seconds = 0.0
            print(f"Using the loaded database {name}")
            with app.app_context():
                db.session.execute(
                    sa.text("DELETE FROM intelligence_items WHERE title = 'Benchmark change'")
                )
                db.session.execute(sa.text("DELETE FROM api_tokens"))
                db.session.commit()
        else:
            seconds = load(app, corpus)
        if seconds:
            vectors = ", search vectors included" if args.engine == "postgres" else ""
            print(
                f"Loaded the database in {seconds:.1f} s "
                f"({n_items / seconds:,.0f} items/s{vectors})"
            )
        with app.app_context():
            from portal.auth.services import create_api_token
            from portal.search.engine import get_engine

            engine = get_engine()
            started, cpu = time.perf_counter(), cpu_seconds()
            reuse = args.reuse_index and (folder / "search" / "CURRENT").exists()
            documents = engine.catch_up() if reuse else engine.reindex()
            build, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            if args.engine == "whoosh" and not reuse:
                print(
                    f"Built the Whoosh index: {documents:,} documents in {build:.1f} s "
                    f"({documents / build:,.0f} docs/s; {cpu:.1f} s of CPU in this process "
                    f"and its build processes, {documents / cpu:,.0f} docs per CPU second)"
                )
            token = create_api_token("viewer@example.gov.uk", via="benchmark").token
            db.session.commit()
            readable = db.session.scalar(
                sa.text(f"SELECT count(*) FROM intelligence_items WHERE {readable_sql()}")
            )
            print(
                f"The viewer may read {readable:,} of {n_items:,} items ({readable / n_items:.0%})"
            )

        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def through_app(query: str) -> None:
            response = client.get("/api/v1/search", query_string={"q": query}, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)

        figures = time_queries(through_app, args.rounds)
        sample = client.get(
            "/api/v1/search", query_string={"q": "resident"}, headers=headers
        ).get_json()
        more = "more than " if sample.get("total_capped") else ""
        print(
            f"'resident' finds {more}{sample['total']:,} readable items "
            f"(facets: {', '.join(sample['facets'])})"
        )

        delays = [find_a_change(app, client, headers, n) for n in range(CHANGES)]
        print(
            f"A committed change was found by the next search {statistics.median(delays):.0f} ms "
            f"later (median of {CHANGES}; slowest {max(delays):.0f} ms)"
        )

        yardsticks = {}
        if not args.no_yardstick:
            yardsticks["SQLite FTS5"] = fts5_yardstick(corpus, args.rounds)
            if args.engine == "postgres":
                yardsticks["raw PostgreSQL"] = raw_postgres_yardstick(app, args.rounds)

        print()
        header = f"{'query kind':<14} {'app p50':>9} {'app p95':>9}"
        for name in yardsticks:
            header += f" {name + ' p95':>20} {'ratio':>6}"
        print(header)
        for kind, (p50, p95) in figures.items():
            line = f"{kind:<14} {p50:>7.1f}ms {p95:>7.1f}ms"
            for stick in yardsticks.values():
                line += f" {stick[kind][1]:>18.1f}ms {p95 / max(stick[kind][1], 0.01):>5.1f}x"
            print(line)
    finally:
        if drop is not None:
            if app is not None:
                with app.app_context():
                    db.engine.dispose()
            drop()
            print(f"Dropped the throwaway database {name}")


if __name__ == "__main__":
    main()
