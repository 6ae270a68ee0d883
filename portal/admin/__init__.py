"""Administration: agencies and their identity providers, users, API tokens, the audit trail."""
