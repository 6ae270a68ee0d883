"""Provider concerns (the six-stage process) and embargoes on new placements."""
