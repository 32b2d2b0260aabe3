import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from portal.startup import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
try:
    application = get_wsgi_application()
    settle()
except ImproperlyConfigured as exc:
    # One clear line instead of a traceback when the environment is wrong.
    sys.exit(f"contours: configuration error: {exc}")
