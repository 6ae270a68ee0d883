"""The WSGI entry point for gunicorn: `gunicorn portal.wsgi:app`."""

import sys

from portal import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as exc:
    # One clear line instead of a traceback: the operator has a setting to fix.
    print(f"portal: refusing to start: {exc}", file=sys.stderr)
    sys.exit(1)
