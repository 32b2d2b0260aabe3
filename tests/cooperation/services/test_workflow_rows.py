"""Workflow rows (status changes, proposals, responses) are saved one way:
`common.save_workflow_row` (the change feed's lock, validation, the history user)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW_MODELS = ("RecommendationStatusChange", "StatusProposal", "RecommendationResponse")
# A save of its own: naming the history user by hand, or a manager's create of a workflow row.
OWN_SAVE = re.compile(
    r"\._history_user\s*=|(" + "|".join(WORKFLOW_MODELS) + r")\.objects\.(bulk_)?create\("
)


def test_services_save_workflow_rows_through_the_one_helper():
    found = []
    for path in sorted((ROOT / "cooperation" / "services").glob("*.py")):
        if path.name == "common.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if OWN_SAVE.search(line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert not found, "save workflow rows with common.save_workflow_row:\n" + "\n".join(found)


def test_the_scan_finds_a_save_of_its_own():
    assert OWN_SAVE.search("    proposal._history_user = acting_user(user)")
    assert OWN_SAVE.search("RecommendationStatusChange.objects.create(recommendation=r)")
