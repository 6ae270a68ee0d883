"""Full-text search over intelligence and providers: one query language, two engines."""
