// A running job's page keeps itself up to date: every few seconds it asks for itself again
// and, when the job's card changed, puts the new card in place (the card is a polite live
// region, so a screen reader hears the new state), until the job is done. It replaces a
// <meta http-equiv="refresh">, which reloaded the whole page under the reader's cursor
// (WCAG 2.2.1; axe's meta-refresh). Without script the card says to reload the page.
(function () {
  "use strict";

  const card = document.querySelector("[data-job-refresh-seconds]");
  if (!card) return;
  const delay = Number(card.dataset.jobRefreshSeconds) * 1000 || 2000;

  function poll() {
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const fresh = new DOMParser()
          .parseFromString(html, "text/html")
          .querySelector("[data-job-card]");
        if (!fresh) return;
        if (fresh.innerHTML !== card.innerHTML) card.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-job-refresh-seconds")) window.setTimeout(poll, delay);
        else card.removeAttribute("data-job-refresh-seconds");
      })
      // A failed request (the server restarting) tries again later; the page stays usable.
      .catch(() => window.setTimeout(poll, delay * 5));
  }

  window.setTimeout(poll, delay);
})();
