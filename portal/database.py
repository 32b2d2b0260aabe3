"""How long a database connection may wait: per-connection timeouts from the environment.

Without limits one row held locked by a long transaction takes the site down: every
write to it waits, every worker ends up waiting, reads and /healthz queue behind them
until gunicorn kills the workers. PostgreSQL bounds each wait when told to:

- `lock_timeout`: how long a statement waits for a row or table lock;
- `statement_timeout`: how long one statement may run, lock waits included;
- `idle_in_transaction_session_timeout`: how long a transaction may sit open and idle
  (a stuck process holding locks is cut off, its transaction rolled back).

There are two budgets: `web` for web and API requests (short: a person or a client is
waiting, and the answer must come before gunicorn's own timeout, deploy/gunicorn.conf.py
checks that) and `command` for management commands (imports, backups, generate_data,
migrate: long but still bounded). A process picks its budget once: manage.py sets
CONTOURS_DATABASE_ROLE=command (runserver excepted), everything else is `web`. The
values travel in libpq's `options` connection parameter, so they cost no extra round
trip and hold for every connection the process opens, reconnections included.

SQLite has no such settings; its busy timeout (portal/settings.py) bounds lock waits there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from portal.env import env_int

ROLES = ("web", "command")
ROLE_VARIABLE = "CONTOURS_DATABASE_ROLE"

# manage.py subcommands that serve web requests, and so keep the web budget.
WEB_COMMANDS = frozenset({"runserver", "testserver"})


@dataclass(frozen=True)
class DatabaseBudget:
    """Timeouts in milliseconds; 0 means no limit (allowed for commands only)."""

    lock_timeout_ms: int
    statement_timeout_ms: int
    idle_in_transaction_timeout_ms: int

    def libpq_options(self) -> str:
        """The `options` connection parameter that sets these for the whole session."""
        return " ".join(
            f"-c {name}={value}"
            for name, value in (
                ("lock_timeout", self.lock_timeout_ms),
                ("statement_timeout", self.statement_timeout_ms),
                ("idle_in_transaction_session_timeout", self.idle_in_transaction_timeout_ms),
            )
        )

    @property
    def longest_statement_seconds(self) -> float:
        """How long one statement may take, lock waits included (0: unbounded)."""
        return self.statement_timeout_ms / 1000


# Web: a blocked write answers within ~3 s (503, Retry-After); no statement runs past 10 s.
# Commands: an import or backup waits up to a minute for a lock a request holds, and may run
# statements for up to an hour (index builds in `migrate`, a large generate_data batch).
DEFAULTS = {
    "web": DatabaseBudget(
        lock_timeout_ms=3_000, statement_timeout_ms=10_000, idle_in_transaction_timeout_ms=15_000
    ),
    "command": DatabaseBudget(
        lock_timeout_ms=60_000,
        statement_timeout_ms=3_600_000,
        idle_in_transaction_timeout_ms=600_000,
    ),
}


# A request runs at most twice (one retry after a transient failure, portal/middleware.py);
# the margin covers its Python work between statements.
REQUEST_ATTEMPTS = 2
REQUEST_MARGIN_SECONDS = 5


def request_seconds(budget: DatabaseBudget) -> float:
    """The longest one request may spend on a statement, retry included, plus a margin."""
    return REQUEST_ATTEMPTS * budget.longest_statement_seconds + REQUEST_MARGIN_SECONDS


def budget_from_env(role: str) -> DatabaseBudget:
    """The budget of `role`, each value overridable by CONTOURS_<ROLE>_<NAME>_MS."""
    default = DEFAULTS[role]
    prefix = f"CONTOURS_{role.upper()}_"
    budget = DatabaseBudget(
        lock_timeout_ms=env_int(f"{prefix}LOCK_TIMEOUT_MS", default.lock_timeout_ms),
        statement_timeout_ms=env_int(f"{prefix}STATEMENT_TIMEOUT_MS", default.statement_timeout_ms),
        idle_in_transaction_timeout_ms=env_int(
            f"{prefix}IDLE_TRANSACTION_TIMEOUT_MS", default.idle_in_transaction_timeout_ms
        ),
    )
    values = {
        "LOCK_TIMEOUT_MS": budget.lock_timeout_ms,
        "STATEMENT_TIMEOUT_MS": budget.statement_timeout_ms,
        "IDLE_TRANSACTION_TIMEOUT_MS": budget.idle_in_transaction_timeout_ms,
    }
    for name, value in values.items():
        # A request must never wait without limit: 0 ("none") is for commands only.
        if value < 0 or (value == 0 and role == "web"):
            least = "1" if role == "web" else "0 (no limit)"
            raise ImproperlyConfigured(f"{prefix}{name} must be at least {least}; got {value}.")
    if budget.statement_timeout_ms and budget.lock_timeout_ms > budget.statement_timeout_ms:
        raise ImproperlyConfigured(
            f"{prefix}LOCK_TIMEOUT_MS ({budget.lock_timeout_ms}) is longer than "
            f"{prefix}STATEMENT_TIMEOUT_MS ({budget.statement_timeout_ms}): a lock wait is "
            "part of its statement, so the statement timeout would always fire first."
        )
    return budget


def process_role() -> str:
    role = os.environ.get(ROLE_VARIABLE, "web").strip() or "web"
    if role not in ROLES:
        raise ImproperlyConfigured(f"{ROLE_VARIABLE} must be web or command; got {role!r}.")
    return role


def role_for_command_line(argv: list[str]) -> str:
    """manage.py's budget: `command`, except for the subcommands that serve requests."""
    subcommand = argv[1] if len(argv) > 1 else ""
    return "web" if subcommand in WEB_COMMANDS else "command"


def with_budget(database: dict, budget: DatabaseBudget) -> dict:
    """A PostgreSQL DATABASES entry whose connections start with `budget`'s timeouts.

    Options already in DATABASE_URL (`?options=-c …`) are kept; ours come after them,
    so the budget wins where both set the same parameter.
    """
    options = database.setdefault("OPTIONS", {})
    ours = budget.libpq_options()
    options["options"] = f"{options['options']} {ours}" if options.get("options") else ours
    return database
