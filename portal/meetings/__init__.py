"""Meetings: the chair's monthly cycle of agenda, pack, minutes and actions."""
