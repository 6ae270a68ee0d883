"""The SQLite writer process of the bulk loader (portal.bulk.ProcessWriter).

Run as a script by a fresh interpreter (``python -I -S sqlite_writer.py FILE``), not imported:
it needs nothing but the standard library's sqlite3, and starts in a few milliseconds. Each
batch it reads from standard input (a pickled list of ``(sql, parameters, many)``, sent by
the importing process) is written in one transaction and committed, or rolled back whole; its
answer goes to standard output: None, or the refusal's class name and message. It stops at the
end of its input.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
from typing import IO, Any


def serve(path: str, requests: IO[bytes], answers: IO[bytes]) -> None:
    """Write each batch read from requests; answer each on answers."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    connection.execute("PRAGMA foreign_keys=ON")
    try:
        while True:
            try:
                batch: list[tuple[str, Any, bool]] = pickle.load(requests)  # noqa: S301 - our parent's own data
            except EOFError:
                return
            answer: tuple[str, str] | None = None
            try:
                connection.execute("BEGIN")
                for sql, parameters, many in batch:
                    if many:
                        connection.executemany(sql, parameters)
                    else:
                        connection.execute(sql, parameters)
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                answer = (type(error).__name__, str(error))
            pickle.dump(answer, answers)
            answers.flush()
    finally:
        connection.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
