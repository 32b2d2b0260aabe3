# Contours: the web image (gunicorn), also used by docker-compose's one-off `migrate` step.
# Runtime dependencies only (requirements.txt); psycopg[binary] needs no compiler.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=2

# An unprivileged user to run as; its home holds gunicorn's control socket.
RUN useradd --create-home --home-dir /home/contours --shell /usr/sbin/nologin contours

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code stays owned by root (read-only to the app); only var/ (SQLite, uploads) is writable.
COPY . .

# Static files are collected at build time and served by whitenoise from the image.
# The secret key below exists only for this RUN (settings refuse to load without one);
# it is not kept in the image's environment and is never used to sign anything.
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-a-secret \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R contours:contours /app/var

USER contours

EXPOSE 8000

# /healthz answers 200 when the database answers. Django checks the Host header against
# DJANGO_ALLOWED_HOSTS, so the probe presents the first allowed host name.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; hosts = [h.strip().lstrip('.') for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')]; host = next((h for h in hosts if h and h != '*'), 'localhost'); sys.exit(0 if u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4).status == 200 else 1)"]

# gunicorn's settings are in deploy/gunicorn.conf.py (shared with deploy/contours.service):
# WEB_CONCURRENCY workers (default 2, set above) of 4 threads on 0.0.0.0:8000, access log to
# stdout, heartbeat files in /dev/shm, and timeouts longer than the application's own.
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "portal.wsgi:application"]
