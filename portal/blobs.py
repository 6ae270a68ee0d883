"""File content kept once per SHA-256 in the database, so every server reads the same bytes.

Item attachments, issued meeting packs and approved minutes all keep their files here
(the ``blobs`` table); each record names its file by the SHA-256.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Blob


def store_blob(content: bytes, created_at: datetime | None = None) -> str:
    """Keep the content (in the session) unless it is kept already; its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    if db.session.scalar(sa.select(Blob.sha256).where(Blob.sha256 == digest)) is not None:
        return digest
    blob = Blob(sha256=digest, size=len(content), content=content)
    if created_at is not None:
        blob.created_at = created_at
    try:
        # Another request may store the same content at the same moment.
        with db.session.begin_nested():
            db.session.add(blob)
    except IntegrityError:
        pass
    return digest


def blob_content(sha256: str | None) -> bytes | None:
    """The bytes kept under this SHA-256, or None when there are none."""
    if sha256 is None:
        return None
    return db.session.scalar(sa.select(Blob.content).where(Blob.sha256 == sha256))
