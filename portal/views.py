"""Small helpers every blueprint's views share."""

from __future__ import annotations

from portal.inputs import page_number

__all__ = ["page_number"]
