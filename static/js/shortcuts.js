// Keyboard shortcuts for the workspace: "/" search, "j"/"k" move through a list, "e" edit,
// "?" this help. Single keys without modifiers, ignored while typing in a field, so they
// never take a character from a form. The help dialog lists them (templates/base.html).
(function () {
  "use strict";

  function typing(target) {
    if (!target || !(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    return Boolean(target.closest("input, textarea, select, [contenteditable]"));
  }

  function listRows() {
    return Array.from(document.querySelectorAll("table.list-table tbody tr"));
  }

  // The row "j"/"k" moved to: marked for sight (is-current) and for assistive technology
  // (its first link takes the focus, so Enter opens it and a screen reader reads it).
  function moveRow(step) {
    const rows = listRows();
    if (!rows.length) return false;
    let index = rows.findIndex((row) => row.classList.contains("is-current"));
    index = index === -1 ? (step > 0 ? 0 : rows.length - 1)
                         : Math.max(0, Math.min(rows.length - 1, index + step));
    rows.forEach((row) => row.classList.remove("is-current"));
    const row = rows[index];
    row.classList.add("is-current");
    const link = row.querySelector("a[href]");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  function edit() {
    const link = document.querySelector("a[data-shortcut='edit']");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function search() {
    const field = document.getElementById("site-search-q");
    if (!field) return false;
    field.focus();
    field.select();
    return true;
  }

  function help() {
    const dialog = document.getElementById("shortcuts-help");
    if (!dialog || typeof dialog.showModal !== "function") return false;
    if (!dialog.open) dialog.showModal();
    return true;
  }

  const ACTIONS = {
    "/": search,
    "j": () => moveRow(1),
    "k": () => moveRow(-1),
    "e": edit,
    "?": help,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    const action = ACTIONS[event.key];
    if (action && action()) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-shortcuts-open]");
    if (opener) {
      event.preventDefault();
      help();
    }
    const closer = event.target.closest("[data-shortcuts-close]");
    if (closer) closer.closest("dialog").close();
  });
})();
