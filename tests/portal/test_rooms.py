"""Each room holds one thing (issue 13): the structure rules, checked by reading the code.

These tests parse the source with `ast` (only the ranks test imports the choices), so a
rule broken anywhere fails here with the file and line, before any behaviour test notices.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "cooperation", "portal")

# -- transactions and row locks live in services only -----------------------------------------

# The interfaces: they validate input, call a service or a selector, and present the result.
INTERFACE_DIRS = ("views", "api", "forms", "admin", "management", "importers")
INTERFACE_FILES = ("views.py", "forms.py", "admin.py")

# Calls that open a transaction or take a row lock (`lock` is the services' row lock).
TRANSACTION_NAMES = {"atomic", "select_for_update"}
LOCK_FUNCTIONS = {"lock"}
# Calls that write a row. `save` on a form (or formset) is allowed: a form's save() calls a
# service (each one in forms/ is itself checked here not to save a model).
WRITE_NAMES = {"save", "delete"}
FORM_RECEIVERS = ("form", "formset")
# Writes through a manager or a queryset (`Model.objects.filter(...).update(...)`).
MANAGERS = {"objects", "all_objects"}
QUERYSET_WRITES = {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
QUERYSET_WRITES |= {"update", "delete"}

# (module path, call) that truly must stay; each with the reason. Ideally none.
ALLOWED: dict[tuple[str, str], str] = {
    # load_demo loads the brief, its taxonomy and every curated record all or nothing:
    # one transaction around a few hundred service calls, the loader's whole job.
    ("cooperation/importers/demo.py", "transaction.atomic"): "the demo loads all or nothing",
}


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
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return value.func.attr + "()"
    return ""


def _chain(node: ast.AST) -> set[str]:
    """The names along `a.b(...).c`: a call's receiver chain."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.add(node.id)
            return names


def _violations(relative: Path, *, allowed=True) -> list[str]:
    tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("django.db.transaction",):
            names = {alias.name for alias in node.names} & TRANSACTION_NAMES
            found += [f"{relative}:{node.lineno}: imports {name}" for name in sorted(names)]
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "cooperation.services"
        ):
            names = {alias.name for alias in node.names} & LOCK_FUNCTIONS
            found += [f"{relative}:{node.lineno}: imports {name}" for name in sorted(names)]
        if not isinstance(node, ast.Attribute):
            continue
        # An attribute, called or not: `@transaction.atomic` decorates without a call.
        if node.attr in TRANSACTION_NAMES or (
            node.attr in QUERYSET_WRITES and _chain(node.value) & MANAGERS
        ):
            found.append(f"{relative}:{node.lineno}: {_receiver(node)}.{node.attr}")
        elif node.attr in WRITE_NAMES:
            receiver = _receiver(node)
            if receiver.lower().endswith(FORM_RECEIVERS):
                continue
            found.append(f"{relative}:{node.lineno}: {receiver}.{node.attr}")
    return [
        line
        for line in found
        if not allowed or (relative.as_posix(), line.split(": ", 1)[1]) not in ALLOWED
    ]


def test_interfaces_open_no_transaction_take_no_lock_and_save_no_model():
    modules = list(_modules(dirs=INTERFACE_DIRS, files=INTERFACE_FILES))
    assert any(str(m).startswith("cooperation/api/") for m in modules)  # the scan sees them
    violations = [line for module in modules for line in _violations(module)]
    assert violations == [], (
        "Move these into a service function that owns its transaction and locks "
        "(cooperation/services/, accounts/services.py):\n" + "\n".join(violations)
    )


def test_every_allowed_exception_is_still_there():
    for module, call in ALLOWED:
        found = [line.split(": ", 1)[1] for line in _violations(Path(module), allowed=False)]
        assert call in found, f"{module} no longer needs its allowance for {call}: remove it"


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
        "    Record.objects.filter(pk=1).update(title='x')\n"
        "    Record.all_objects.create(title='x')\n"
        "    context.update(x=1)\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    found = _violations(sample.relative_to(tmp_path))
    assert sorted(line.split(": ", 1)[1] for line in found) == [
        "all_objects.create",
        "filter().update",
        "imports lock",
        "objects.select_for_update",
        "record.delete",
        "record.save",
        "transaction.atomic",
        "transaction.atomic",
    ]


# -- cooperation/services holds writes only ------------------------------------------------------

# Shared plumbing of the writers: permission checks, history, version checks, and the
# claims every record write leaves (called inside the record services' transactions).
SERVICE_HELPERS = {"__init__.py", "common.py", "claim_rows.py"}


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
    assert readers == [], (
        "These open no transaction: move what they hold to a package named for it, or, "
        "if they are plumbing the writers share (like common.py), list them in SERVICE_HELPERS"
    )
    packages = [p.name for p in services.iterdir() if (p / "__init__.py").exists()]
    assert packages == [], "services/ is one flat package of writers"


# -- no import cycles ---------------------------------------------------------------------------


def _module_names() -> dict[str, Path]:
    names = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names[".".join(parts)] = path
    return names


def _imports(name: str, path: Path, known: dict) -> set[str]:
    """Every project module `name` imports, deferred ones (inside a function) included:
    deferring an import hides a cycle from Python, not from the reader."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in known else module)
    return {module for module in found if module in known and module != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles_between_the_projects_modules():
    known = _module_names()
    graph = {name: _imports(name, path, known) for name, path in known.items()}
    assert "cooperation.selectors" in graph["cooperation.filtersets"]  # the scan sees imports
    assert _cycles(graph) == [], "Modules that import each other (directly or round a loop)"


def test_the_cycle_finder_finds_a_loop_of_three():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


# -- ranks of ordered choices are defined once ----------------------------------------------


def test_every_value_of_a_ranked_choice_has_one_rank():
    from cooperation.choices import RANKS, Priority, Severity

    assert set(RANKS) >= {Severity, Priority}
    for choices, ranks in RANKS.items():
        assert list(ranks) == list(choices.values), choices  # low → high, as declared
        assert sorted(ranks.values()) == list(range(len(choices.values))), choices


def test_no_module_relists_a_ranked_choices_order():
    """A dict or sequence spelling out a ranked choice's values (in any order) restates
    its rank; read `cooperation.choices.RANKS` instead."""
    from cooperation.choices import RANKS

    value_sets = [set(choices.values) for choices in RANKS]
    relisted = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative.as_posix() == "cooperation/choices.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                items = (
                    node.keys
                    if isinstance(node, ast.Dict)
                    else node.elts
                    if isinstance(node, (ast.List, ast.Tuple, ast.Set))
                    else []
                )
                strings = {
                    item.value
                    for item in items
                    if isinstance(item, ast.Constant) and isinstance(item.value, str)
                }
                if len(strings) > 2 and any(strings == values for values in value_sets):
                    relisted.append(f"{relative}:{node.lineno}")
    assert relisted == []
