// @mention completion in the note forms: typing "@" and a name's first letters offers the
// colleagues a mention reaches (GET data-mention-lookup, cooperation/views/lookups.py, which
// asks the notifications service who a name names). Up/Down move, Enter or Tab inserts
// "@name ", Escape closes. The textarea keeps its role (a text field): it points at the list
// with aria-controls and at the active name with aria-activedescendant, and a live region
// says how many were found. Without script, writing "@name" by hand works as before.
(function () {
  "use strict";

  // The "@name" being typed just before the caret; not inside a word or an e-mail address
  // (the same boundary as the service's MENTION pattern).
  const TYPING = /(?:^|[^\w@.+-])@([a-z0-9][a-z0-9._-]{0,39})$/i;
  const DEBOUNCE_MS = 120;
  let counter = 0;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === true) node.setAttribute(key, "");
      else if (value !== false && value != null) node.setAttribute(key, value);
    }
    if (text != null) node.textContent = text;
    return node;
  }

  function enhance(area) {
    const url = area.dataset.mentionLookup;
    const n = ++counter;
    const listId = `mentions-${n}-list`;
    const host = el("div", { class: "mention-host" });
    const list = el("ul", { id: listId, role: "listbox", class: "mention-list", "aria-label": "People to mention", hidden: true });
    const status = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    area.after(host);
    host.append(list, status);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", listId);

    let people = [];
    let active = -1;
    let typed = null; // {start, end, prefix}
    let timer = null;
    let sequence = 0;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      people = [];
      active = -1;
      typed = null;
      area.removeAttribute("aria-activedescendant");
    }

    function setActive(index) {
      if (!people.length) return;
      active = (index + people.length) % people.length;
      Array.from(list.children).forEach((node, i) => node.setAttribute("aria-selected", String(i === active)));
      area.setAttribute("aria-activedescendant", `${listId}-${active}`);
      list.children[active].scrollIntoView({ block: "nearest" });
    }

    function insert(person) {
      if (!typed) return;
      const before = area.value.slice(0, typed.start);
      const after = area.value.slice(typed.end);
      const text = `@${person.name}${/^\s/.test(after) ? "" : " "}`;
      area.value = before + text + after;
      const caret = before.length + text.length;
      area.setSelectionRange(caret, caret);
      status.textContent = `@${person.name} inserted.`;
      close();
      area.focus();
    }

    function render(found) {
      list.replaceChildren();
      people = found;
      if (!found.length) {
        close();
        status.textContent = "Nobody by that name.";
        return;
      }
      found.forEach((person, i) => {
        const node = el("li", { role: "option", id: `${listId}-${i}`, "aria-selected": "false" });
        node.append(el("span", {}, `@${person.name}`), el("span", { class: "muted" }, ` ${person.label}`));
        node.addEventListener("mousedown", (event) => event.preventDefault());
        node.addEventListener("click", () => insert(person));
        list.append(node);
      });
      list.hidden = false;
      setActive(0);
      status.textContent = `${found.length} ${found.length === 1 ? "person" : "people"} to mention: up and down to choose, Enter to insert.`;
    }

    async function lookUp() {
      const caret = area.selectionStart;
      if (caret !== area.selectionEnd) { close(); return; }
      const match = TYPING.exec(area.value.slice(0, caret));
      if (!match) { close(); return; }
      const prefix = match[1];
      const mine = ++sequence;
      try {
        const response = await fetch(`${url}?q=${encodeURIComponent(prefix)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const type = response.headers.get("Content-Type") || "";
        if (mine !== sequence || !response.ok || !type.includes("application/json")) return;
        const body = await response.json();
        if (mine !== sequence || document.activeElement !== area) return;
        typed = { start: caret - prefix.length - 1, end: caret, prefix };
        render(body.results || []);
      } catch (e) {
        // Completion is a convenience: typing the name by hand still works.
      }
    }

    area.addEventListener("input", () => {
      clearTimeout(timer);
      sequence++;
      timer = setTimeout(lookUp, DEBOUNCE_MS);
    });
    area.addEventListener("blur", () => { clearTimeout(timer); sequence++; close(); });
    area.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          setActive(active + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          setActive(active - 1);
          break;
        case "Enter":
        case "Tab":
          if (active >= 0) {
            event.preventDefault();
            insert(people[active]);
          }
          break;
        case "Escape":
          event.preventDefault();
          event.stopPropagation();
          close();
          break;
        default:
          break;
      }
    });
  }

  function enhanceAll(root) {
    root.querySelectorAll("textarea[data-mention-lookup]:not([aria-controls])").forEach(enhance);
  }

  enhanceAll(document);
})();
