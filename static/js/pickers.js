// Search-as-you-type pickers for the record forms' lists of actors, topics and linked records.
//
// Progressive enhancement: the server renders a plain group of checkboxes (which works without
// script); a wrapper that names its lookup (data-picker-lookup, from cooperation/forms/records.py)
// becomes the ARIA combobox pattern: a text field (role=combobox, aria-expanded,
// aria-activedescendant) over a listbox of matches from the JSON lookup, the chosen ones shown
// as removable chips, each carrying a hidden input of the field's name. Up/Down move, Enter
// picks, Escape closes (then clears). Where the wrapper names data-picker-create, a missing
// actor or topic is created on the spot (POST, CSRF token from the form) and picked.
(function () {
  "use strict";

  const DEBOUNCE_MS = 150;
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

  function csrfToken(form) {
    const field = form && form.querySelector("input[name='csrfmiddlewaretoken']");
    return field ? field.value : "";
  }

  const SESSION_ENDED = "Your session has ended: log in again in another tab, then try again.";

  // A JSON answer, or null when the session ended (the lookup redirects to the login page).
  async function json(response) {
    const type = response.headers.get("Content-Type") || "";
    if (response.redirected || !type.includes("application/json")) return null;
    return response.json().catch(() => ({}));
  }

  function enhance(wrapper) {
    const lookupUrl = wrapper.dataset.pickerLookup;
    const createUrl = wrapper.dataset.pickerCreate || "";
    const name = wrapper.dataset.pickerName;
    const noun = wrapper.dataset.pickerNoun || "item";
    const form = wrapper.closest("form");
    const fieldset = wrapper.querySelector("fieldset") || wrapper;
    const legend = fieldset.querySelector("legend");
    const boxes = Array.from(wrapper.querySelectorAll(`input[type='checkbox'][name='${name}']`));
    // One value (a deal's supplier): the select gives way, its label names the combobox.
    const single = "pickerSingle" in wrapper.dataset;
    const select = single ? wrapper.querySelector(`select[name='${name}']`) : null;
    const ownLabel = select && select.id ? wrapper.querySelector(`label[for='${select.id}']`) : null;
    const title = legend ? legend.textContent.trim()
      : ownLabel ? ownLabel.textContent.replace(/:\s*$/, "").trim() : noun;
    const n = ++counter;
    const ids = {
      input: `picker-${n}-input`,
      list: `picker-${n}-list`,
      chips: `picker-${n}-chips`,
      legend: `picker-${n}-legend`,
      hint: `picker-${n}-hint`,
    };
    if (legend && !legend.id) legend.id = ids.legend;

    const picker = el("div", { class: "picker" });
    const chips = el("ul", { class: "picker-chips", id: ids.chips, "aria-label": `Chosen: ${title}` });
    const label = ownLabel ? null : el("label", { for: ids.input, class: "picker-label" }, `Find ${noun === "item" ? "one" : `a${/^[aeiou]/i.test(noun) ? "n" : ""} ${noun}`} to add`);
    const input = el("input", {
      type: "text",
      id: ids.input,
      class: "picker-input",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": ids.list,
      "aria-describedby": ids.hint,
      autocomplete: "off",
      spellcheck: "false",
      maxlength: "100",
    });
    const verb = single ? "choose" : "add";
    const hint = el("p", { id: ids.hint, class: "picker-hint muted" },
      createUrl ? `Type to search; ↓ ↑ to move, Enter to ${verb}. A name not found can be created.`
                : `Type to search; ↓ ↑ to move, Enter to ${verb}.`);
    const list = el("ul", { id: ids.list, role: "listbox", class: "picker-list", "aria-label": `Matching ${noun}s`, hidden: true });
    const status = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    const error = el("p", { class: "picker-error", role: "alert" });

    picker.append(...[chips, label, input, hint, list, status, error].filter(Boolean));
    if (ownLabel) ownLabel.htmlFor = ids.input;

    // The checkbox group stays in the page but out of the form: the chips' inputs submit.
    const group = fieldset.querySelector(":scope > div[id]:not(.helptext)");
    const chosen = new Map();
    boxes.forEach((box) => {
      if (box.checked) chosen.set(box.value, box.closest("label") ? box.closest("label").textContent.trim() : box.value);
      box.disabled = true;
    });
    if (group) group.hidden = true;
    if (select) {
      if (select.value) chosen.set(select.value, select.selectedOptions[0].textContent.trim());
      select.disabled = true;
      select.style.display = "none";
    }
    const helpText = fieldset.querySelector(".helptext");
    if (helpText) helpText.style.display = "none"; // "Tick every one…" no longer applies
    (select ? wrapper : fieldset).appendChild(picker);

    function addChip(id, text) {
      id = String(id);
      if (chips.querySelector(`input[value='${CSS.escape(id)}']`)) return;
      if (single) chips.replaceChildren();
      const chip = el("li", { class: "picker-chip" });
      chip.append(el("span", {}, text));
      const remove = el("button", { type: "button", class: "picker-remove", "aria-label": `Remove ${text}` }, "×");
      remove.addEventListener("click", () => {
        chip.remove();
        status.textContent = `${text} removed.`;
        input.focus();
      });
      chip.append(remove, el("input", { type: "hidden", name, value: id }));
      chips.append(chip);
    }
    chosen.forEach((text, id) => addChip(id, text));

    function chosenIds() {
      return new Set(Array.from(chips.querySelectorAll("input[type='hidden']"), (i) => i.value));
    }

    let options = [];
    let active = -1;
    let timer = null;
    let sequence = 0;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function setActive(index) {
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach((option, i) => option.node.setAttribute("aria-selected", String(i === active)));
      const node = options[active].node;
      input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    }

    function render(results, query, more) {
      const taken = chosenIds();
      const fresh = results.filter((r) => !taken.has(String(r.id)));
      list.replaceChildren();
      options = [];
      fresh.forEach((row, i) => {
        const node = el("li", { role: "option", id: `${ids.list}-${i}`, "aria-selected": "false", class: "picker-option" });
        node.append(el("span", {}, row.label));
        if (row.detail) node.append(el("span", { class: "muted" }, ` · ${row.detail}`));
        options.push({ node, pick: () => pick(row.id, row.label) });
        list.append(node);
      });
      const exact = results.some((r) => r.label.toLowerCase() === query.toLowerCase());
      if (createUrl && query && !exact) {
        const node = el("li", { role: "option", id: `${ids.list}-new`, "aria-selected": "false", class: "picker-option picker-create" }, `Create ${noun} “${query}”`);
        options.push({ node, pick: () => create(query) });
        list.append(node);
      }
      if (!options.length) {
        const text = results.length ? `Every ${noun} that matches is chosen already.`
          : query ? `No ${noun} matches “${query}”.` : `No ${noun}s yet.`;
        list.append(el("li", { class: "picker-empty muted", role: "presentation" }, text));
      }
      options.forEach((option, i) => {
        option.node.addEventListener("mousedown", (event) => event.preventDefault());
        option.node.addEventListener("click", () => { setActive(i); option.pick(); });
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      const count = fresh.length;
      status.textContent = `${count}${more ? "+" : ""} ${count === 1 ? "match" : "matches"}${createUrl && query && !exact ? `, or create “${query}”` : ""}.`;
    }

    async function search() {
      const query = input.value.trim();
      const mine = ++sequence;
      error.textContent = "";
      try {
        const response = await fetch(`${lookupUrl}?q=${encodeURIComponent(query)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const body = await json(response);
        if (mine !== sequence || document.activeElement !== input) return;
        if (body === null) {
          close();
          error.textContent = SESSION_ENDED;
          return;
        }
        if (!response.ok) {
          close();
          error.textContent = body.detail || "The search failed; the list could not be loaded.";
          return;
        }
        render(body.results || [], query, body.more);
      } catch (e) {
        if (mine === sequence) error.textContent = "The search failed; check your connection.";
      }
    }

    function pick(id, text) {
      addChip(id, text);
      status.textContent = `${text} added.`;
      input.value = "";
      close();
      input.focus();
    }

    async function create(query) {
      error.textContent = "";
      try {
        const response = await fetch(createUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
          body: new URLSearchParams({ name: query }),
          credentials: "same-origin",
        });
        const body = await json(response);
        if (body === null) {
          error.textContent = SESSION_ENDED;
          return;
        }
        if (!response.ok || body.id == null) {
          error.textContent = body.detail || `The ${noun} could not be created.`;
          return;
        }
        pick(body.id, body.label);
        status.textContent = `${noun} “${body.label}” created and added.`;
      } catch (e) {
        error.textContent = `The ${noun} could not be created; check your connection.`;
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener("focus", () => { if (!input.value) error.textContent = ""; });
    input.addEventListener("blur", () => { clearTimeout(timer); sequence++; close(); });
    input.addEventListener("keydown", (event) => {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (list.hidden) search();
          else setActive(active + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!list.hidden) setActive(active - 1);
          break;
        case "Enter":
          // Never submits the form from the search field.
          event.preventDefault();
          if (!list.hidden && active >= 0) options[active].pick();
          else if (!list.hidden && options.length === 1) options[0].pick();
          break;
        case "Escape":
          if (!list.hidden) { event.preventDefault(); close(); }
          else if (input.value) { event.preventDefault(); input.value = ""; }
          break;
        case "Backspace":
          if (!input.value) {
            const last = chips.lastElementChild;
            if (last) {
              const text = last.querySelector("span").textContent;
              last.remove();
              status.textContent = `${text} removed.`;
            }
          }
          break;
        default:
          break;
      }
    });
  }

  document.querySelectorAll("[data-picker-lookup]").forEach(enhance);
})();
