/* The source reader: a selection in the text becomes W3C selectors on the STORED text,
   verified by the server, then evidence for a record or a note on the passage.

   The page renders every character of the stored text exactly once, each run in an
   element with `data-start` (its stored offset), in order and without gaps (see
   cooperation/views/reader_markup.py). So a DOM position maps to a stored offset
   exactly, even across running headers, and the quote and its context are rebuilt
   from the page. No framework, no inline script: this file is loaded with `defer`.
*/
(function () {
  "use strict";

  var CONTEXT_CHARS = 32; // cooperation.text.CONTEXT_CHARS
  var WHITESPACE = /\s/;

  // -- the record picker (reader dialog and selection page) ------------------------------

  function setUpRecordPicker(form) {
    var kind = form.querySelector("select[name=kind]");
    var record = form.querySelector("select[name=record]");
    var searchField = form.querySelector("[data-role=record-search-field]");
    var search = form.querySelector("[data-role=record-search]");
    var count = form.querySelector("[data-role=record-count]");
    var picker = form.querySelector("[data-role=record-picker]");
    var submit = form.querySelector("button[type=submit]");
    var noteField = form.querySelector("[name=note]");
    if (!kind || !record || !search) return;
    searchField.hidden = false;

    function filter() {
      var wanted = kind.value + ":";
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(record.querySelectorAll("optgroup"), function (group) {
        var groupShown = 0;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
          var title = option.textContent.toLowerCase();
          var visible = option.value.indexOf(wanted) === 0 && words.every(function (w) {
            return title.indexOf(w) !== -1;
          });
          option.hidden = !visible;
          option.disabled = !visible;
          if (visible) groupShown += 1;
        });
        group.hidden = groupShown === 0;
        shown += groupShown;
      });
      var selected = record.options[record.selectedIndex];
      if (selected && selected.hidden) record.value = "";
      count.textContent = shown === 1 ? "1 record matches." : shown + " records match.";
    }

    function showTarget() {
      var target = form.querySelector("input[name=target]:checked");
      var isNew = target && target.value === "new";
      picker.hidden = isNew;
      if (noteField) noteField.closest(".field").hidden = isNew;
      submit.textContent = isNew ? "Continue to the new record" : "Save as evidence";
    }

    // Choosing a record from the full list sets the kind to match it.
    record.addEventListener("change", function () {
      var value = record.value;
      if (value) kind.value = value.split(":")[0];
    });
    kind.addEventListener("change", filter);
    search.addEventListener("input", filter);
    Array.prototype.forEach.call(form.querySelectorAll("input[name=target]"), function (radio) {
      radio.addEventListener("change", showTarget);
    });
    filter();
    showTarget();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-role=evidence-form]"), setUpRecordPicker);

  // -- the reader ------------------------------------------------------------------------

  var root = document.getElementById("reading-text");
  if (!root) return;

  // -- panels: folded on a phone, so the text comes first (they open from their heading) --

  var panels = Array.prototype.slice.call(document.querySelectorAll("details[data-fold-narrow]"));
  if (window.matchMedia("(max-width: 59.99rem)").matches) {
    panels.forEach(function (panel) { panel.open = false; });
  }

  function unfold(element) {
    var panel = element && element.closest("details[data-fold-narrow]");
    if (panel) panel.open = true;
  }

  /* Offsets: the server counts characters (code points), JavaScript strings count UTF-16
     units, which differ for characters beyond U+FFFF. Here everything works in UTF-16 on
     the rebuilt text and converts to characters only when selectors are sent. */
  var PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

  function characters(text) {
    var pairs = text.match(PAIRS);
    return text.length - (pairs ? pairs.length : 0);
  }

  var leaves = Array.prototype.slice.call(root.querySelectorAll("[data-start]"));
  var leafIndex = new Map();
  var starts = []; // UTF-16 offset of each run in fullText
  var parts = [];
  var furniture = []; // [start, end) of each furniture run, UTF-16
  var expected = 0; // in characters, to check against data-start
  var length16 = 0;
  var consistent = true;
  leaves.forEach(function (leaf, i) {
    var text = leaf.textContent;
    if (Number(leaf.getAttribute("data-start")) !== expected) consistent = false;
    expected += characters(text);
    leafIndex.set(leaf, i);
    starts.push(length16);
    parts.push(text);
    if (leaf.classList.contains("furniture")) furniture.push([length16, length16 + text.length]);
    length16 += text.length;
  });
  var fullText = parts.join("");
  if (String(expected) !== root.getAttribute("data-length")) consistent = false;

  function toCharacters(offset16) {
    return characters(fullText.slice(0, offset16));
  }

  var toolbar = document.getElementById("selection-toolbar");
  var statusLine = document.getElementById("selection-status");
  var csrfToken = root.getAttribute("data-csrf-token");
  var selectionUrl = root.getAttribute("data-selection-url");
  var current = null; // {start, end, exact, prefix, suffix} of the last usable selection
  var announced = "";

  function say(message) {
    if (statusLine) statusLine.textContent = message;
  }

  /* The stored offset of a DOM boundary point (node, offset). */
  function storedOffset(node, offset) {
    if (!root.contains(node)) {
      // A selection that runs past the text is cut at its edges.
      return root.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING ? 0 : fullText.length;
    }
    if (node.nodeType === Node.TEXT_NODE && leafIndex.has(node.parentNode)) {
      return starts[leafIndex.get(node.parentNode)] + offset;
    }
    // Between elements (or inside a footnote link): where the first run at or after it starts.
    var point = document.createRange();
    point.setStart(node, offset);
    point.collapse(true);
    var lo = 0;
    var hi = leaves.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (point.comparePoint(leaves[mid], 0) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < leaves.length ? starts[lo] : fullText.length;
  }

  /* Ends moved out of running headers and off blank space, as the server does. */
  function tidy(start, end) {
    for (var round = 0; round < furniture.length + 2; round += 1) {
      var before = start + ":" + end;
      furniture.forEach(function (zone) {
        if (start >= zone[0] && start < zone[1]) start = zone[1];
        if (end > zone[0] && end <= zone[1]) end = zone[0];
      });
      while (start < end && WHITESPACE.test(fullText.charAt(start))) start += 1;
      while (end > start && WHITESPACE.test(fullText.charAt(end - 1))) end -= 1;
      if (before === start + ":" + end) break;
    }
    return [start, end];
  }

  /* How [start, end) reads: running headers left out, spacing collapsed. */
  function readingQuote(start, end) {
    var out = "";
    var cut = start;
    furniture.forEach(function (zone) {
      if (zone[1] <= cut || zone[0] >= end) return;
      out += fullText.slice(cut, zone[0]) + " ";
      cut = zone[1];
    });
    out += fullText.slice(cut, end);
    return out.replace(/\s+/g, " ").trim();
  }

  function selectorsOfSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!range.intersectsNode(root)) return null;
    var span = tidy(
      storedOffset(range.startContainer, range.startOffset),
      storedOffset(range.endContainer, range.endOffset)
    );
    if (span[0] >= span[1]) return null;
    return {
      start: toCharacters(span[0]),
      end: toCharacters(span[1]),
      exact: fullText.slice(span[0], span[1]),
      // Context cut in UTF-16 units; never keep half of a surrogate pair.
      prefix: fullText.slice(Math.max(0, span[0] - CONTEXT_CHARS), span[0]).replace(/^[\uDC00-\uDFFF]/, ""),
      suffix: fullText.slice(span[1], span[1] + CONTEXT_CHARS).replace(/[\uD800-\uDBFF]$/, ""),
      // For this page only (readingQuote), not sent.
      from16: span[0],
      to16: span[1]
    };
  }

  /* The selectors of a stored span [start, end) in characters (an excerpt's, from its card). */
  var hasPairs = fullText.match(PAIRS) !== null;
  function to16(chars) {
    if (!hasPairs) return chars;
    var units = 0;
    for (var seen = 0; seen < chars && units < fullText.length; seen += 1) {
      var code = fullText.charCodeAt(units);
      units += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    }
    return units;
  }

  function selectorsOfSpan(start, end) {
    var from16 = to16(start);
    var to16End = to16(end);
    return {
      start: start,
      end: end,
      exact: fullText.slice(from16, to16End),
      prefix: fullText.slice(Math.max(0, from16 - CONTEXT_CHARS), from16).replace(/^[\uDC00-\uDFFF]/, ""),
      suffix: fullText.slice(to16End, to16End + CONTEXT_CHARS).replace(/[\uD800-\uDBFF]$/, ""),
      from16: from16,
      to16: to16End
    };
  }

  function describe(selectors) {
    var quote = readingQuote(selectors.from16, selectors.to16);
    var words = quote.split(" ").length;
    var shown = quote.length > 70 ? quote.slice(0, 67) + "…" : quote;
    return "“" + shown + "” (" + words + (words === 1 ? " word" : " words") + ")";
  }

  function anyDialogOpen() {
    return Boolean(document.querySelector("dialog[open]"));
  }

  // An excerpt chosen by clicking its highlight: stays chosen while nothing is selected.
  var pinned = null;

  function updateFromSelection() {
    if (!toolbar || anyDialogOpen()) return;
    var selectors = consistent ? selectorsOfSelection() : null;
    if (!selectors && pinned) {
      current = pinned;
      toolbar.querySelector("[data-role=summary]").textContent =
        "Excerpt #" + pinned.excerpt + ": " + describe(pinned);
      toolbar.hidden = false;
      return;
    }
    if (!selectors) {
      current = null;
      toolbar.hidden = true;
      return;
    }
    pinned = null;
    current = selectors;
    toolbar.querySelector("[data-role=summary]").textContent = "Selected: " + describe(selectors);
    toolbar.hidden = false;
    var key = selectors.start + ":" + selectors.end;
    if (key !== announced) {
      announced = key;
      say("Passage selected. The toolbar after the text offers to make it evidence or annotate it.");
    }
  }

  var pending = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(pending);
    pending = setTimeout(updateFromSelection, 120);
  });

  function verify(selectors) {
    return fetch(selectionUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken
      },
      body: JSON.stringify({
        start: selectors.start,
        end: selectors.end,
        exact: selectors.exact,
        prefix: selectors.prefix,
        suffix: selectors.suffix
      })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.detail || "The selection could not be checked.");
        return body;
      }, function () {
        throw new Error("The server could not check the selection (" + response.status + ").");
      });
    });
  }

  function fillDialog(dialog, verified) {
    var form = dialog.querySelector("form");
    ["start", "end", "exact", "prefix", "suffix"].forEach(function (name) {
      form.elements[name].value = verified[name];
    });
    dialog.querySelector("[data-role=quote]").textContent = verified.display_quote;
    var existing = dialog.querySelector("[data-role=existing]");
    existing.textContent = "";
    existing.hidden = !verified.excerpt && !verified.reanchored;
    if (verified.reanchored) {
      existing.appendChild(document.createTextNode(
        "The selection was placed by its words in the stored text. "
      ));
    }
    if (verified.excerpt) {
      var records = verified.excerpt.records;
      existing.appendChild(document.createTextNode(
        "This passage is already excerpt #" + verified.excerpt.id +
          (records.length ? ", evidence for: " : "; it will be reused.")
      ));
      records.forEach(function (record, i) {
        var link = document.createElement("a");
        link.href = record.url;
        link.textContent = record.title;
        if (i) existing.appendChild(document.createTextNode("; "));
        existing.appendChild(link);
      });
    }
  }

  function openDialog(id, chosen) {
    var dialog = document.getElementById(id);
    // The selection as it is now: the toolbar may have appeared mid-drag.
    var selectors = chosen || (consistent && selectorsOfSelection()) || current;
    if (!dialog || !selectors) return;
    toolbar.setAttribute("aria-busy", "true");
    verify(selectors).then(function (verified) {
      fillDialog(dialog, verified);
      toolbar.hidden = true;
      dialog.showModal();
      var first = dialog.querySelector("textarea, select, input:not([type=hidden])");
      if (first) first.focus();
    }).catch(function (error) {
      toolbar.querySelector("[data-role=summary]").textContent = error.message;
      say(error.message);
    }).then(function () {
      toolbar.removeAttribute("aria-busy");
    });
  }

  if (toolbar) {
    // Keep the selection when a toolbar button is pressed with the mouse.
    toolbar.addEventListener("mousedown", function (event) {
      if (event.target.closest("button")) event.preventDefault();
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var action = button.getAttribute("data-action");
      if (action === "evidence") openDialog("evidence-dialog");
      else if (action === "annotate") openDialog("note-dialog");
      else {
        window.getSelection().removeAllRanges();
        current = null;
        pinned = null;
        toolbar.hidden = true;
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("dialog.reader-dialog"), function (dialog) {
    // Back from the dialog: the toolbar returns if the passage is still selected.
    dialog.addEventListener("close", updateFromSelection);
    Array.prototype.forEach.call(dialog.querySelectorAll("[data-action=close]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        dialog.close();
      });
    });
  });

  // -- excerpts: from a highlight to its card, and the target of #excerpt-<id> -------------

  function cardFor(pk) {
    return document.getElementById("card-excerpt-" + pk);
  }

  function markTarget() {
    Array.prototype.forEach.call(root.querySelectorAll("mark.is-target"), function (mark) {
      mark.classList.remove("is-target");
    });
    var card = /^#card-excerpt-(\d+)$/.exec(window.location.hash);
    if (card) activateCard(card[1], false);
    var match = /^#excerpt-(\d+)$/.exec(window.location.hash);
    if (!match) return;
    Array.prototype.forEach.call(
      root.querySelectorAll('mark[data-excerpt="' + match[1] + '"]'),
      function (mark) { mark.classList.add("is-target"); }
    );
    activateCard(match[1], false);
  }

  var side = document.querySelector(".reader-side");

  /* Bring a card into view. On a wide screen the side list scrolls on its own (the text
     stays where it is); on a narrow one the page scrolls, and only when asked. */
  function showCard(card, scrollPage) {
    if (side && getComputedStyle(side).position === "sticky") {
      var top = card.getBoundingClientRect().top - side.getBoundingClientRect().top;
      side.scrollTop += top - 16;
    } else if (scrollPage) {
      card.scrollIntoView({ block: "nearest" });
    }
  }

  function activateCard(pk, scrollPage) {
    Array.prototype.forEach.call(document.querySelectorAll(".excerpt-card.is-active"), function (card) {
      card.classList.remove("is-active");
    });
    var card = cardFor(pk);
    if (!card) return;
    unfold(card);
    card.classList.add("is-active");
    showCard(card, scrollPage);
  }

  /* An excerpt of this page by its number: its selectors, from its card. */
  function excerptSelectors(pk) {
    var card = cardFor(pk);
    if (!card || !consistent) return null;
    var selectors = selectorsOfSpan(Number(card.getAttribute("data-start")), Number(card.getAttribute("data-end")));
    selectors.excerpt = pk;
    return selectors;
  }

  root.addEventListener("click", function (event) {
    var mark = event.target.closest("mark.excerpt");
    var selection = window.getSelection();
    if (!mark || (selection && !selection.isCollapsed)) return;
    var pk = mark.getAttribute("data-excerpt");
    activateCard(pk, true);
    // Clicking a passage chooses it: the toolbar offers to cite or annotate it.
    pinned = excerptSelectors(pk);
    if (pinned) {
      updateFromSelection();
      say("Excerpt #" + pk + " chosen. The toolbar after the text offers to make it evidence or annotate it.");
    }
  });

  /* "Cite as evidence" on a card, and a number typed in the cite box: the evidence dialog
     for that excerpt, here. An excerpt not on this page goes to the server, which says why. */
  function cite(pk) {
    var selectors = excerptSelectors(pk);
    if (!selectors || !document.getElementById("evidence-dialog")) return false;
    activateCard(pk, false);
    openDialog("evidence-dialog", selectors);
    return true;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-cite]"), function (link) {
    link.addEventListener("click", function (event) {
      if (cite(link.getAttribute("data-cite"))) event.preventDefault();
    });
  });

  var citeForm = document.getElementById("cite-form");
  if (citeForm) {
    citeForm.addEventListener("submit", function (event) {
      var number = citeForm.elements.excerpt.value.trim().replace(/^#/, "");
      if (/^\d+$/.test(number) && cite(number)) event.preventDefault();
    });
  }
  window.addEventListener("hashchange", markTarget);
  markTarget();
})();
