"""Contract monitoring visits: recorded by council members and chairs, read through the policy."""
