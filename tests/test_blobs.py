"""The blob store: file content kept once per SHA-256, for attachments, packs and minutes."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa

from portal.blobs import blob_content, store_blob
from portal.extensions import db
from portal.models import Blob


def test_the_same_content_stored_twice_is_kept_once_under_its_sha256(app):
    issued_at = datetime(2026, 11, 23, 10, 30)
    digest = store_blob(b"%PDF-1.7 pack", issued_at)
    again = store_blob(b"%PDF-1.7 pack")
    db.session.commit()

    assert digest == again == hashlib.sha256(b"%PDF-1.7 pack").hexdigest()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Blob)) == 1
    assert db.session.get(Blob, digest).created_at == issued_at
    assert blob_content(digest) == b"%PDF-1.7 pack"


def test_content_that_was_never_stored_reads_as_none(app):
    assert blob_content(None) is None
    assert blob_content("0" * 64) is None
