"""Contours settings. Everything that differs between machines comes from the environment.

DJANGO_DEBUG, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL are the contract
(docs/configuration.md). Debug is off unless asked for; with debug off a secret key is required.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from portal.caches import REDIS_BACKEND, cache_from_url
from portal.database import budget_from_env, process_role, with_budget
from portal.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONTOURS_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG is off: "
            "set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development)."
        )
    # Development only: a fixed, obviously unsafe key so sessions survive restarts.
    SECRET_KEY = "contours-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    # Django's tasks framework stores its queue in the database; `manage.py db_worker` runs it.
    "django_tasks_db",
    "accounts",
    "cooperation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after the HTTPS redirect: it sees the final status of every response,
    # CSRF failures and lockouts included, and logs refused access to "contours.security".
    "accounts.security.RefusedAccessLogMiddleware",
    # Before whitenoise, so static files carry the policy too (it costs a header, no query).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Writes beyond CONTOURS_WRITE_SLOTS at once: 503 before any database work.
    "portal.middleware.WriteSlotsMiddleware",
    # Transient database failures: one retry when nothing was written, else 503 with
    # Retry-After (portal/middleware.py). Outside the sessions, so a retry reloads them.
    "portal.middleware.TransientDatabaseErrorMiddleware",
    # With DATABASE_REPLICA_URLS only (added below): where this request's reads go.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pushes a logged-in session's expiry forward now and then (inactivity timeout).
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attributes history rows written outside services (e.g. a plain save) to the request user.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authentication into a page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ csp_nonce }} for the few inline scripts or styles (see SECURE_CSP).
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite under var/ by default so `make run` needs no other service;
# DATABASE_URL=postgres://… switches to PostgreSQL through psycopg 3.
try:
    DATABASES = {
        # An empty DATABASE_URL counts as unset, like every other empty variable here.
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'contours.sqlite3'}",
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", default=True),
        )
    }
except ValueError as exc:  # dj-database-url's UnknownSchemeError and malformed URLs
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL Contours can use ({exc}); "
        "use sqlite:///path or postgres://user@host:port/name."
    ) from None
_SUPPORTED_ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")
if DATABASES["default"]["ENGINE"] not in _SUPPORTED_ENGINES:
    raise ImproperlyConfigured(
        f"DATABASE_URL names a {DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} database; "
        "Contours runs on SQLite (sqlite:///path) or PostgreSQL (postgres://…)."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the dev server and a management command write side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # psycopg's statement handling (docs/benchmarks.md measures both sides with the same):
    # DATABASE_SERVER_SIDE_BINDING=1 sends parameters apart from the SQL (Django's default is
    # client-side binding, which never prepares), and DATABASE_PREPARE_THRESHOLD=N prepares a
    # statement on a connection after N runs. Unset, statements are never prepared, which
    # keeps a transaction-mode connection pooler (PgBouncer) working.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if env_bool("DATABASE_SERVER_SIDE_BINDING", default=False):
        _options["server_side_binding"] = True
    if os.environ.get("DATABASE_PREPARE_THRESHOLD", "").strip():
        _options["prepare_threshold"] = env_int("DATABASE_PREPARE_THRESHOLD", 5)
        if _options["prepare_threshold"] < 0:
            raise ImproperlyConfigured("DATABASE_PREPARE_THRESHOLD must be 0 or more.")
DATABASES["default"].setdefault("TEST", {})

# ---- Read replicas (portal/replicas.py; docs/deployment.md) ----
# DATABASE_REPLICA_URLS: streaming replicas of `default`, comma-separated. Partner API reads
# go to them; writes, web pages and a client's reads until a replica has replayed its own
# last write stay on the primary. The tests read what they write (TEST MIRROR).
CONTOURS_REPLICAS = ()
_replica_urls = [u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",")]
for _number, _url in enumerate(filter(None, _replica_urls), start=1):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS needs PostgreSQL: DATABASE_URL names SQLite, "
            "which has no replicas."
        )
    try:
        _replica = dj_database_url.parse(
            _url,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=DATABASES["default"]["CONN_HEALTH_CHECKS"],
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS holds {_url!r}, not a postgres:// URL ({exc})."
        ) from None
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS holds {_url!r}, not a postgres:// URL.")
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    CONTOURS_REPLICAS = (*CONTOURS_REPLICAS, f"replica{_number}")
# A replica further behind than this is left out until it catches up; it also bounds how
# long a token revoked on the primary may still read through a replica.
CONTOURS_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 30)
# How often each process checks a replica's lag and reachability (one query).
CONTOURS_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 5)
# How long a writer's reads wait for the replicas to replay its write before they read a
# replica again regardless (the lag limit above still applies then).
CONTOURS_REPLICA_PIN_SECONDS = max(60, 2 * CONTOURS_REPLICA_MAX_LAG_SECONDS)
DATABASE_ROUTERS = ["portal.replicas.ReplicaRouter"] if CONTOURS_REPLICAS else []
if CONTOURS_REPLICAS:
    # Inside the transient-failure middleware, so that its retry of a read that failed on a
    # replica chooses again; outside the sessions, so that a session is read where it may be.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("portal.middleware.TransientDatabaseErrorMiddleware") + 1,
        "portal.replicas.ReplicaReadMiddleware",
    )

# ---- Bounded waits (portal/database.py) ----
# lock_timeout, statement_timeout and idle_in_transaction_session_timeout on every
# PostgreSQL connection: the `web` budget for requests, `command` for manage.py commands.
CONTOURS_DATABASE_ROLE = process_role()
CONTOURS_DATABASE_BUDGETS = {role: budget_from_env(role) for role in ("web", "command")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    for _alias in ("default", *CONTOURS_REPLICAS):
        with_budget(DATABASES[_alias], CONTOURS_DATABASE_BUDGETS[CONTOURS_DATABASE_ROLE])
# A request that failed on a transient database error (a lock or statement timeout, a
# dropped connection, a serialization failure) is answered 503 with this Retry-After.
CONTOURS_RETRY_AFTER_SECONDS = env_int("CONTOURS_RETRY_AFTER_SECONDS", 3)
# How many writes (POST, PUT, PATCH, DELETE) one process runs at once; more are answered 503
# with Retry-After at once, so writes waiting on a locked row never take every thread from
# reads. deploy/gunicorn.conf.py sets it to half of each worker's threads; 0 means no limit
# (runserver, tests).
CONTOURS_WRITE_SLOTS = env_int("CONTOURS_WRITE_SLOTS", 0)
# An API POST's Idempotency-Key replays its first answer for this long (the IETF draft's
# example: 24 hours); `manage.py purge_idempotency_keys` deletes older ones.
CONTOURS_IDEMPOTENCY_HOURS = env_int("CONTOURS_IDEMPOTENCY_HOURS", 24)
# Where notification e-mails link to (e.g. https://contours.example.org); empty: paths only.
CONTOURS_BASE_URL = os.environ.get("CONTOURS_BASE_URL", "").rstrip("/")

# ---- Cache (docs/deployment.md, "Scaling out") ----
# DRF's throttle counts live in the default cache. Unset, CACHE_URL gives each process its
# own in-memory cache: right for one process, wrong for several gunicorn workers or web
# containers, which must share one (db://contours_cache or redis://…; portal/caches.py).
# Sessions and django-axes' lockouts are in the database (AXES_HANDLER keeps its database
# default), so no web process holds state of its own. With a shared Redis cache, sessions
# are read from it first and written through to the database (`cached_db`): a page costs
# no session query, and a Redis restart or eviction only sends the next read to the
# database. Without one (a per-process or a database cache), they stay in the database.
CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", ""))}
if CACHES["default"]["BACKEND"] == REDIS_BACKEND:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it counts failed logins and refuses locked-out ones before the password check.
# Then the user with their roles in one statement (accounts/backends.py). ModelBackend stays
# last only for sessions signed in before it (a session names the backend that signed it in).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# One language, so no translation machinery: with it on, every message a page shows (form
# labels and errors, the admin's) was looked up through a catalog chain, about a fifth of
# a record page's time, to come back unchanged (Django's en_GB catalogs translate nothing;
# tests/portal/test_language.py holds that). Dates still take en_GB's formats.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Imported briefs larger than this are refused (issue: "a file over 20 MB").
CONTOURS_MAX_SOURCE_BYTES = env_int("CONTOURS_MAX_SOURCE_BYTES", 20 * 1024 * 1024)
# Uploads larger than this are imported by the task worker (cooperation/tasks.py), with a
# progress page, instead of inside the web request; smaller ones take well under a second
# and keep their immediate form errors. 0 sends every upload to the worker.
CONTOURS_INLINE_IMPORT_BYTES = env_int("CONTOURS_INLINE_IMPORT_BYTES", 1024 * 1024)

# ---- Background tasks (docs/operations.md, "The task worker") ----
# Django's tasks framework with django-tasks-db's backend: the queue is a table in the same
# database, so a job is enqueued in the transaction that creates it and nothing else needs
# running but `manage.py db_worker` (docker-compose's `worker`, deploy/contours-worker.service).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A job "running" with no word from its worker for this long is taken for dead (the worker
# was killed) and may be retried from its page.
CONTOURS_JOB_STALL_MINUTES = env_int("CONTOURS_JOB_STALL_MINUTES", 30)

# ---- Accounts and sessions (issue 3: login, lockout, inactivity timeout, email) ----
AXES_FAILURE_LIMIT = env_int("CONTOURS_LOGIN_FAILURE_LIMIT", 5)
# Per account *and* address: one attacker cannot lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = env_int("CONTOURS_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The login form's field is "username" (it holds the email); failures count per address
# whatever its case, so Ann@… and ann@… share one counter.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.views.lockout_username"
# The client's address behind trusted proxies (CONTOURS_TRUSTED_PROXY_COUNT), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"

# Inactivity timeout: a session ends this many minutes after its last request
# (accounts/middleware.py refreshes the expiry at most every SESSION_IDLE_REFRESH_SECONDS).
SESSION_IDLE_MINUTES = env_int("CONTOURS_SESSION_IDLE_MINUTES", 60)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("CONTOURS_SESSION_IDLE_MINUTES must be at least 1.")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_IDLE_REFRESH_SECONDS = min(300, SESSION_COOKIE_AGE // 10)
# A password reset link works for this long.
PASSWORD_RESET_TIMEOUT = env_int("CONTOURS_PASSWORD_RESET_HOURS", 24) * 3600

# Email: printed to the console unless EMAIL_HOST names an SMTP server (Django 6.1 MAILERS).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Contours <contours@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
if os.environ.get("EMAIL_HOST"):
    _smtp = {
        "host": os.environ["EMAIL_HOST"],
        "port": env_int("EMAIL_PORT", 587),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=True),
        "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
    if _smtp["use_tls"] and _smtp["use_ssl"]:
        raise ImproperlyConfigured(
            "EMAIL_USE_TLS and EMAIL_USE_SSL are both on; choose one (STARTTLS or SSL)."
        )
    MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp}
    }
else:
    MAILERS = {"default": {"BACKEND": "accounts.mail.ReadableConsoleEmailBackend"}}

# ---- REST API (issue 4) ----
# Bearer tokens first: its 401 names the scheme. Logged-in analysts use their session (with CSRF).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cooperation.api.permissions.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["cooperation.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["cooperation.api.parsers.JSONParser"],
    # DRF's, with the commonest Accept headers answered without parsing them.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "cooperation.api.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cooperation.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "cooperation.api.throttling.ClientRateThrottle",
        "cooperation.api.throttling.AnonymousRateThrottle",
    ],
    # Per token (or logged-in user) and per address for anonymous clients; "N/second|minute|…".
    "DEFAULT_THROTTLE_RATES": {
        "client": os.environ.get("CONTOURS_API_RATE", "1200/minute"),
        "anon": os.environ.get("CONTOURS_API_ANON_RATE", "120/minute"),
        # Per address, Bearer tokens refused (unknown, expired, revoked): over it, 429 before
        # any lookup (portal/ratelimit.py).
        "token_failure": os.environ.get("CONTOURS_API_TOKEN_FAILURE_RATE", "60/hour"),
    },
    # `format` is a source filter (text, markdown, pdf); CSV comes from each list's export/.
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Contours API",
    "DESCRIPTION": (
        "Published records of the Contours research portal for partner organisations, and "
        "the same API for analysts. Authenticate with `Authorization: Bearer <token>`. "
        "Every error is RFC 9457 problem details (`application/problem+json`: `type`, "
        "`title`, `status`, `detail`, `code`, plus `errors` per field on 400)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VisibilityEnum": "cooperation.choices.Visibility",
        "AnnotationVisibilityEnum": "cooperation.choices.AnnotationVisibility",
        "RecommendationStatusEnum": "cooperation.choices.RecommendationStatus",
        "AgreementStatusEnum": "cooperation.choices.AgreementStatus",
        "DealStatusEnum": "cooperation.choices.DealStatus",
        "DatePrecisionEnum": "cooperation.choices.DatePrecision",
        "AnnotationTargetTypeEnum": "cooperation.api.serializers.TARGET_TYPES",
        "NoteActionEnum": "cooperation.permissions.NOTE_ACTIONS",
        "SourceActionEnum": "cooperation.permissions.SOURCE_ACTIONS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # 503 + Retry-After everywhere, Idempotency-Key on every POST (cooperation/api/schema.py).
        "cooperation.api.schema.document_resilience",
        # Problem details, conditional requests, RateLimit fields and every status code.
        "cooperation.api.schema.document_http",
        # Errors are application/problem+json (RFC 9457); after the hooks that add errors.
        "cooperation.api.errors.document_problem_media_type",
    ],
}

# ---- Transport and browser security (issue 5, "Trust") ----
# `manage.py check --deploy --fail-level WARNING` passes with debug off
# (tests/portal/test_security_headers.py).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Not HttpOnly: Swagger UI's "Try it out" with a session reads it (Django: no real gain either).
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# TLS ends at a reverse proxy (docs/deployment.md, "Public host name and HTTPS"), which must
# set X-Forwarded-Proto and overwrite any value a client sent; an empty
# DJANGO_SECURE_PROXY_SSL_HEADER turns it off.
_proxy_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Behind a proxy that appends to X-Forwarded-For, the number of such proxies: the client's
# address (login lockouts, security log) is then that many hops from the end of the list.
CONTOURS_TRUSTED_PROXY_COUNT = env_int("CONTOURS_TRUSTED_PROXY_COUNT", 0)
if not DEBUG:
    # "Served over HTTPS": secure cookies, the redirect to https and HSTS follow one switch
    # (DJANGO_SECURE_COOKIES=0 for docker-compose on plain http://localhost).
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
    # Probes (the image's HEALTHCHECK) call the container over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # Browsers honour HSTS only on https responses, so plain-http set-ups are unaffected.
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy on every response: only this origin, scripts from static files or
# carrying the request's nonce, never inline event handlers, never framed.
# The Redoc page relaxes styles only (portal/api_urls.py); tests/browser/test_csp.py proves
# every kind of page runs under it.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # Swagger UI's and the admin's stylesheets draw icons as data: SVGs.
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pypdf warns about every quirk of a damaged file; the import reports one clear line.
        "pypdf": {"level": "ERROR"},
        # Logins, logouts, failures, lockouts, token use and refused requests
        # (accounts/security.py), kept at INFO whatever the root level: this is the audit trail.
        "contours.security": {"level": os.environ.get("CONTOURS_SECURITY_LOG_LEVEL", "INFO")},
        # Transient database failures answered 503 or retried (portal/middleware.py).
        "contours.database": {"level": "INFO"},
    },
}
