"""Each room holds one thing (issue 13): the structure rules, checked by reading the code.

These tests parse the source with `ast`; they import nothing from the project, so a rule
broken anywhere fails here with the file and line, before any behaviour test notices.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "cooperation", "portal")

# -- transactions and row locks live in services only -----------------------------------------

# The interfaces: they validate input, call a service or a selector, and present the result.
INTERFACE_DIRS = ("views", "api", "forms", "admin")
INTERFACE_FILES = ("views.py", "forms.py", "admin.py")

# Calls that open a transaction or take a row lock (`lock` is the services' row lock).
TRANSACTION_NAMES = {"atomic", "select_for_update"}
LOCK_FUNCTIONS = {"lock"}
# Calls that write a row. `save` on a form (or formset) is allowed: a form's save() calls a
# service (each one in forms/ is itself checked here not to save a model).
WRITE_NAMES = {"save", "delete"}
FORM_RECEIVERS = ("form", "formset")

# (module path, line's call) that truly must stay; each with the reason. Ideally none.
ALLOWED: dict[tuple[str, str], str] = {}


def _modules(*, dirs=(), files=()):
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            if set(relative.parts[1:-1]) & set(dirs) or relative.name in files:
                yield relative


def _receiver(node: ast.Attribute) -> str:
    value = node.value
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Attribute):
        return value.attr
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id + "()"
    return ""


def _violations(relative: Path) -> list[str]:
    tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("django.db.transaction",):
            names = {alias.name for alias in node.names} & TRANSACTION_NAMES
            found += [f"{relative}:{node.lineno}: imports {name}" for name in sorted(names)]
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cooperation.serv"):
            names = {alias.name for alias in node.names} & LOCK_FUNCTIONS
            found += [f"{relative}:{node.lineno}: imports {name}" for name in sorted(names)]
        if not isinstance(node, ast.Attribute):
            continue
        # An attribute, called or not: `@transaction.atomic` decorates without a call.
        if node.attr in TRANSACTION_NAMES:
            found.append(f"{relative}:{node.lineno}: {_receiver(node)}.{node.attr}")
        elif node.attr in WRITE_NAMES:
            receiver = _receiver(node)
            if receiver.lower().endswith(FORM_RECEIVERS):
                continue
            found.append(f"{relative}:{node.lineno}: {receiver}.{node.attr}")
    return [line for line in found if (str(relative), line.split(": ", 1)[1]) not in ALLOWED]


def test_interfaces_open_no_transaction_take_no_lock_and_save_no_model():
    modules = list(_modules(dirs=INTERFACE_DIRS, files=INTERFACE_FILES))
    assert any(str(m).startswith("cooperation/api/") for m in modules)  # the scan sees them
    violations = [line for module in modules for line in _violations(module)]
    assert violations == [], (
        "Move these into a service function that owns its transaction and locks "
        "(cooperation/services/, accounts/services.py):\n" + "\n".join(violations)
    )


def test_the_scan_catches_each_kind(tmp_path, monkeypatch):
    sample = tmp_path / "cooperation" / "views" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "from django.db import transaction\n"
        "from cooperation.services.tracked import lock\n"
        "@transaction.atomic\n"
        "def view(request, record, form):\n"
        "    with transaction.atomic():\n"
        "        Record.objects.select_for_update().get(pk=1)\n"
        "    record.save()\n"
        "    record.delete()\n"
        "    form.save()\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    found = _violations(sample.relative_to(tmp_path))
    assert sorted(line.split(": ", 1)[1] for line in found) == [
        "imports lock",
        "objects.select_for_update",
        "record.delete",
        "record.save",
        "transaction.atomic",
        "transaction.atomic",
    ]


# -- cooperation/services holds writes only ------------------------------------------------------

# Shared plumbing of the writers: permission checks, history, version checks.
SERVICE_HELPERS = {"__init__.py", "common.py"}


def test_every_services_module_holds_writes():
    """A module there that opens no transaction is not a writer: it belongs elsewhere
    (file reading is cooperation/text_extraction.py, backups cooperation/backup/,
    synthetic data cooperation/synthetic/)."""
    services = ROOT / "cooperation" / "services"
    readers = []
    for path in sorted(services.glob("*.py")):
        if path.name in SERVICE_HELPERS:
            continue
        tree = ast.parse(path.read_text())
        if not any(
            isinstance(node, ast.Attribute) and node.attr == "atomic" for node in ast.walk(tree)
        ):
            readers.append(path.name)
    assert readers == []
    packages = [p.name for p in services.iterdir() if (p / "__init__.py").exists()]
    assert packages == [], "services/ is one flat package of writers"
