"""The documents a newcomer reads stay short, and everything they point at exists.

- README.md stays under 250 lines (the rest lives in docs/ and CONTRIBUTING.md);
- every relative link in README.md, CONTRIBUTING.md and docs/*.md resolves, anchors
  included;
- every repository path named in a Markdown or Python file (`cooperation/api/views.py`,
  `docs/backup.md`, `DESIGN.md`…) exists, and a section cited by name
  (`docs/deployment.md, "Scaling out"`) is there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
README_MAX_LINES = 250
# Not the project's own files: tools' caches, the venv, runtime output.
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "var",
    "staticfiles",
    "media",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "htmlcov",
}
# A path in prose starts at one of the repository's top-level folders or files.
TOP_LEVEL = (
    "accounts",
    "bench",
    "cooperation",
    "docs",
    "portal",
    "static",
    "templates",
    "tests",
    r"\.ci",
)
PATH = re.compile(
    r"(?<![\w./<-])(?:\.\./)?"
    r"((?:" + "|".join(TOP_LEVEL) + r")/[\w./<>*-]*"
    r"|[\w-]+\.md"
    r"|requirements[\w-]*\.txt|pyproject\.toml|docker-compose\.yml)"
)
# What a file name ends with; `tests/api/conftest.make_token` names a function, not a file.
FILE_SUFFIXES = {".py", ".md", ".html", ".txt", ".css", ".js", ".svg", ".toml", ".yml", ".json"}
# In code, a bare Markdown name in capitals is a document (DESIGN.md); `brief.md` is test data.
DOCUMENT_NAME = re.compile(r"^[A-Z][A-Z_-]*\.md$")
# Where a name like `cooperation/records/form.html` in code is looked up, besides the top.
TEMPLATE_DIRS = (REPO / "templates", REPO / "static")
# This file names missing paths on purpose, to test the pattern.
SELF = Path(__file__).resolve()
# `docs/deployment.md, "Scaling out"` or `README, "Security"`: a section cited by name.
SECTION = re.compile(r"\b((?:docs/)?[\w-]+\.md|README|CONTRIBUTING),? \"([^\"]+)\"")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)


def _files(*suffixes: str) -> list[Path]:
    found = []
    for path in REPO.rglob("*"):
        parts = set(path.relative_to(REPO).parts)
        if path.is_file() and path.suffix in suffixes and not parts & SKIPPED_DIRS:
            found.append(path)
    return sorted(found)


def _documents() -> list[Path]:
    return [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]


def _without_code_blocks(markdown: str) -> str:
    # Lines starting with # inside a fenced block are shell comments, not headings.
    return FENCE.sub("", markdown)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", lambda m: "_" if m.group() == "_" else "", heading.strip())
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors, seen = set(), {}
    for line in _without_code_blocks(path.read_text()).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            slug = _slug(match.group(1))
            count = seen.get(slug, 0)
            anchors.add(slug if count == 0 else f"{slug}-{count}")
            seen[slug] = count + 1
    return anchors


def _headings_and_leads(path: Path) -> set[str]:
    """What a section may be cited by: its heading, or a bullet's bold lead-in."""
    text = _without_code_blocks(path.read_text())
    headings = re.findall(r"^#{1,6}\s+(.*?)\s*$", text, re.MULTILINE)
    leads = re.findall(r"\*\*([^*]+?)\.?\*\*", text)
    return {item.strip().rstrip(".") for item in [*headings, *leads]}


def _resolve(reference: str, source: Path) -> Path | None:
    """The repository file or folder a reference names: next to `source`, or from the top."""
    for base in (source.parent, REPO, *TEMPLATE_DIRS):
        candidate = (base / reference).resolve()
        if "<" in reference or "*" in reference:
            pattern = re.sub(r"<[^>]*>", "*", reference)
            matches = list(base.glob(pattern.rstrip("/")))
            if matches:
                return matches[0]
        elif candidate.exists():
            return candidate
    return None


def test_readme_is_under_250_lines():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) < README_MAX_LINES, (
        f"README.md has {len(lines)} lines; move detail into docs/ and link it"
    )


@pytest.mark.parametrize("document", _documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(document):
    broken = []
    for target in LINK.findall(_without_code_blocks(document.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
            continue  # a URL (https:, mailto:) or a path on the running portal
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{document.relative_to(REPO)}: {broken}"


def _is_checked(reference: str, source: Path) -> bool:
    if not reference or "…" in reference:
        return False
    name = reference.rstrip("/").rsplit("/", 1)[-1]
    suffix = Path(name).suffix
    if suffix and suffix not in FILE_SUFFIXES:
        return False  # a module's attribute, a URL with a dot
    if source.suffix == ".py":
        if "/" not in reference:
            return bool(DOCUMENT_NAME.match(reference))
        # In code a path without a suffix is as often a URL ("docs/redoc/") as a folder.
        return bool(suffix)
    return True


def _references(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        for match in PATH.finditer(line):
            reference = match.group(1).rstrip(".,:;)")
            if _is_checked(reference, path):
                found.append((number, reference))
    return found


def _sources(*suffixes: str) -> list[Path]:
    return [path for path in _files(*suffixes) if path.resolve() != SELF]


def test_every_path_named_in_docs_and_code_exists():
    missing = []
    for path in _sources(".md", ".py"):
        for number, reference in _references(path):
            if _resolve(reference, path) is None:
                missing.append(f"{path.relative_to(REPO)}:{number}: {reference}")
    assert not missing, "paths that are not in the repository:\n" + "\n".join(missing)


def test_every_section_cited_by_name_exists():
    missing = []
    for path in [*_sources(".md", ".py"), REPO / "docker-compose.yml", REPO / "Makefile"]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for document, section in SECTION.findall(line):
                name = document if document.endswith(".md") else f"{document}.md"
                target = _resolve(name, path)
                if target is None or section not in _headings_and_leads(target):
                    missing.append(f"{path.relative_to(REPO)}:{number}: {name}, {section!r}")
    assert not missing, "sections cited that do not exist:\n" + "\n".join(missing)


def test_the_checks_see_what_they_are_meant_to_see(tmp_path):
    # The pattern finds paths in prose and code, and not URL paths on the portal.
    line = "see `cooperation/api/views.py`, DESIGN.md and /api/v1/agreements/ (docs/x.md)."
    assert [m.group(1) for m in PATH.finditer(line)] == [
        "cooperation/api/views.py",
        "DESIGN.md",
        "docs/x.md",
    ]
    code = REPO / "cooperation" / "api" / "urls.py"
    assert _is_checked("DESIGN.md", code) and _resolve("DESIGN.md", code) is None
    assert not _is_checked("brief.md", code)
    assert not _is_checked("tests/api/conftest.make_token", code)
    assert _resolve("cooperation/records/form.html", code) is not None
    assert _resolve("cooperation/views/<area>.py", REPO / "README.md") is not None
    assert _slug("`export_data FILE [--force]`") == "export_data-file---force"
    assert _slug("PostgreSQL read replicas (not implemented)") == (
        "postgresql-read-replicas-not-implemented"
    )
