"""Driving the reader like a person: drag the mouse over a passage of the text."""

from __future__ import annotations

# Finds the first and last characters of a passage of the stored text (rebuilt from the
# page's `data-start` runs, as reader.js does) and returns where they are on screen.
_LOCATE = """
([fromText, toText]) => {
  const leaves = Array.from(document.querySelectorAll("#reading-text [data-start]"));
  const text = leaves.map((leaf) => leaf.textContent).join("");
  const start = text.indexOf(fromText);
  if (start === -1) throw new Error("not in the text: " + fromText);
  const toAt = text.indexOf(toText, start);
  if (toAt === -1) throw new Error("not in the text after the start: " + toText);
  const end = toAt + toText.length;
  function charRect(offset) {
    const leaf = leaves.filter((l) => Number(l.dataset.start) <= offset).pop();
    const range = document.createRange();
    const local = offset - Number(leaf.dataset.start);
    range.setStart(leaf.firstChild, local);
    range.setEnd(leaf.firstChild, local + 1);
    return range.getClientRects()[0];
  }
  const first = leaves.filter((l) => Number(l.dataset.start) <= start).pop();
  first.scrollIntoView({ block: "center" });
  const a = charRect(start);
  const b = charRect(end - 1);
  return { start, end, x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1,
           y2: b.top + b.height / 2 };
}
"""


def drag_select(page, from_text: str, to_text: str | None = None) -> tuple[int, int]:
    """Select from the first character of `from_text` to the last of `to_text` with the mouse.

    Returns the stored span [start, end) the passage has in the text.
    """
    box = page.evaluate(_LOCATE, [from_text, to_text or from_text])
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    return box["start"], box["end"]
