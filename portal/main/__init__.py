"""The home page and service-wide pages."""
