/* The recommendation board: move a card to another status column, by dragging it or with
   its "Move to…" button (the keyboard's way, and the phone's).

   Every rule comes from the page: each card carries the statuses it may move to now
   (data-move-targets, from cooperation.permissions.status_moves), the address its status
   form posts to (data-move-action: a curator's move, or an analyst's proposal) and the
   version it was shown at; each column says whether moving there closes the
   recommendation (data-closing). A drop opens the move dialog, which asks what the move
   needs and posts it to the same view as the card's own status form; the server checks
   everything again. The dialog posts with fetch, asking for JSON: a refusal (a missing
   note or evidence, a card someone else moved meanwhile, a move no longer allowed) comes
   back as problem details and is shown inside the dialog, in an alert that takes the
   focus, with what the user typed kept; a conflict also refreshes the card's version and
   allowed statuses, so sending again applies to the card as it now is. Without this
   script the cards' "Change status" links still work.
   No framework, no inline script: loaded with `defer`.
*/
(function () {
  "use strict";

  var board = document.querySelector(".board");
  var dialog = document.getElementById("board-move-dialog");
  if (!board || !dialog || typeof dialog.showModal !== "function") return;

  var form = dialog.querySelector("[data-move-form]");
  var select = form.querySelector("select[name=to_status]");
  var summary = form.querySelector("[data-move-summary]");
  var closingHint = form.querySelector("[data-closing-hint]");
  var alertBox = form.querySelector("[data-move-error]");
  var submit = form.querySelector("[type=submit]");
  var current = null;  // the card the dialog is moving
  var live = document.querySelector("[data-board-live]");
  var columns = Array.prototype.slice.call(board.querySelectorAll("[data-column]"));
  var dragged = null;
  var opener = null;

  function column(status) {
    return columns.filter(function (c) { return c.dataset.column === status; })[0];
  }

  function label(status) {
    var c = column(status);
    return c ? c.dataset.label : status;
  }

  function targets(card) {
    return (card.dataset.moveTargets || "").split(" ").filter(Boolean);
  }

  function say(text) {
    if (!live) return;
    // Emptied first, so the same words said twice are announced twice.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function listOf(statuses) {
    return statuses.map(label).join(", ");
  }

  // -- the dialog -----------------------------------------------------------------------------

  function showClosingHint() {
    var c = column(select.value);
    closingHint.hidden = !(c && c.hasAttribute("data-closing"));
  }

  function fillStatuses(allowed, status) {
    select.innerHTML = "";
    allowed.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = label(value);
      select.appendChild(option);
    });
    select.value = status && allowed.indexOf(status) !== -1 ? status : allowed[0] || "";
  }

  function describe(card) {
    summary.textContent = "\u201c" + card.dataset.title + "\u201d is " +
      label(card.dataset.status).toLowerCase() + ".";
  }

  function clearErrors() {
    alertBox.hidden = true;
    alertBox.textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
    });
  }

  function openDialog(card, status, trigger) {
    var allowed = targets(card);
    if (!allowed.length) return;
    current = card;
    opener = trigger || card.querySelector("[data-move-to]");
    form.action = card.dataset.moveAction;
    form.elements.version.value = card.dataset.version;
    fillStatuses(allowed, status);
    describe(card);
    clearErrors();
    showClosingHint();
    dialog.showModal();
    // Dropped on a column: the status is chosen, the note comes next.
    (status ? form.elements.note : select).focus();
  }

  select.addEventListener("change", showClosingHint);

  dialog.querySelector("[data-move-cancel]").addEventListener("click", function () {
    dialog.close();
  });

  // -- sending it: a refusal stays in the dialog ----------------------------------------------

  // The names the server gives a field's errors, and the dialog's field for each.
  var FIELDS = {
    to_status: "to_status", note: "note", happened_on: "happened_on",
    evidence_excerpt: "evidence_excerpt_id", evidence_excerpt_id: "evidence_excerpt_id",
    evidence_url: "evidence_url"
  };

  function fieldLabel(name) {
    var field = form.elements[FIELDS[name]];
    var labelFor = field && form.querySelector("label[for=\"" + field.id + "\"]");
    return labelFor ? labelFor.textContent : "";
  }

  function showProblem(problem) {
    var lines = [];
    if (problem.detail) lines.push(problem.detail);
    Object.keys(problem.errors || {}).forEach(function (name) {
      var field = form.elements[FIELDS[name]];
      if (field) field.setAttribute("aria-invalid", "true");
      var where = fieldLabel(name);
      problem.errors[name].forEach(function (message) {
        lines.push(where ? where + ": " + message : message);
      });
    });
    alertBox.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      alertBox.appendChild(p);
    });
    alertBox.hidden = false;
    alertBox.focus();
  }

  function refreshCard(problem) {
    // Someone moved the card meanwhile: the dialog now moves the card as it is.
    if (!current || !problem.version) return;
    var chosen = select.value;
    current.dataset.version = String(problem.version);
    form.elements.version.value = problem.version;
    if (problem.current_status) current.dataset.status = problem.current_status;
    if (problem.targets) {
      current.dataset.moveTargets = problem.targets.join(" ");
      fillStatuses(problem.targets, chosen);
    }
    describe(current);
    showClosingHint();
  }

  function problemOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("json") === -1) {
      // Not the view's answer: a login page, the size limit, a lost CSRF token...
      var detail = response.status === 413
        ? "The note or evidence is too long to send."
        : "The server did not accept the move (" + (response.status || "no answer") +
          "). Reload the board and try again.";
      return Promise.resolve({ detail: detail });
    }
    return response.json();
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;  // the plain post still works
    event.preventDefault();
    clearErrors();
    submit.disabled = true;
    window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (response.ok && !response.redirected) {
        return response.json().then(function (body) {
          var next = new URL(body.redirect, window.location.href);
          if (next.pathname + next.search === window.location.pathname + window.location.search) {
            // Back to this very page: only a new hash would not load it again.
            window.history.replaceState(null, "", next.href);
            window.location.reload();
          } else {
            window.location.assign(next.href);
          }
        });
      }
      return problemOf(response).then(function (problem) {
        submit.disabled = false;
        if (response.status === 409) refreshCard(problem);
        showProblem(problem);
      });
    }).catch(function () {
      submit.disabled = false;
      showProblem({ detail: "The move could not be sent: check the connection and try again." });
    });
  });

  dialog.addEventListener("close", function () {
    form.reset();
    clearErrors();
    submit.disabled = false;
    current = null;
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  });

  // -- the keyboard's (and the phone's) way: "Move to…" on each card ----------------------------

  board.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move-to]");
    if (!button) return;
    openDialog(button.closest("[data-card]"), null, button);
  });

  // -- dragging -------------------------------------------------------------------------------

  function markColumns(card) {
    var allowed = targets(card);
    columns.forEach(function (c) {
      var cue = c.querySelector("[data-drop-cue]");
      var status = c.dataset.column;
      c.classList.remove("is-drop-target", "is-drop-refused", "is-drop-home", "is-drop-over");
      if (status === card.dataset.status) {
        c.classList.add("is-drop-home");
        cue.textContent = "Its status now";
      } else if (allowed.indexOf(status) !== -1) {
        c.classList.add("is-drop-target");
        cue.textContent = "Drop here to move to " + label(status).toLowerCase();
      } else {
        c.classList.add("is-drop-refused");
        cue.textContent = "Not allowed from " + label(card.dataset.status).toLowerCase();
      }
      cue.hidden = false;
    });
  }

  function clearColumns() {
    columns.forEach(function (c) {
      c.classList.remove("is-drop-target", "is-drop-refused", "is-drop-home", "is-drop-over");
      var cue = c.querySelector("[data-drop-cue]");
      cue.hidden = true;
      cue.textContent = "";
    });
    board.classList.remove("is-dragging");
  }

  function accepts(c) {
    return Boolean(dragged && c && c.classList.contains("is-drop-target"));
  }

  board.querySelectorAll("[data-card][data-move-targets]").forEach(function (card) {
    card.draggable = true;
    card.querySelector("[data-move-to]").hidden = false;
  });

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-card][data-move-targets]");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.title);
    card.classList.add("is-dragged");
    board.classList.add("is-dragging");
    markColumns(card);
    var allowed = targets(card);
    say("Moving \u201c" + card.dataset.title + "\u201d. It may go to: " + listOf(allowed) +
      ". Other columns refuse it.");
  });

  board.addEventListener("dragover", function (event) {
    var c = event.target.closest && event.target.closest("[data-column]");
    if (!accepts(c)) return;
    event.preventDefault();  // only an allowed column accepts the drop
    event.dataTransfer.dropEffect = "move";
  });

  board.addEventListener("dragenter", function (event) {
    var c = event.target.closest && event.target.closest("[data-column]");
    if (!dragged || !c) return;
    columns.forEach(function (other) { other.classList.toggle("is-drop-over", other === c); });
    if (accepts(c)) event.preventDefault();
  });

  board.addEventListener("drop", function (event) {
    var c = event.target.closest && event.target.closest("[data-column]");
    if (!accepts(c)) return;
    event.preventDefault();
    var card = dragged;
    dragged = null;
    card.classList.remove("is-dragged");
    clearColumns();
    openDialog(card, c.dataset.column, card.querySelector("[data-move-to]"));
  });

  board.addEventListener("dragend", function () {
    if (!dragged) return;  // dropped on an allowed column: the dialog is open
    var card = dragged;
    dragged = null;
    card.classList.remove("is-dragged");
    clearColumns();
    say("\u201c" + card.dataset.title + "\u201d stays " +
      label(card.dataset.status).toLowerCase() + ".");
  });
})();
