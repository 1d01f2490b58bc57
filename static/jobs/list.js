// My jobs: statuses of unfinished rows update in place (no reload), from the status API.
(function () {
  "use strict";
  const TERMINAL = ["completed", "failed", "cancelled"];
  async function tick() {
    const cells = [...document.querySelectorAll("[data-live-status]")].filter((c) => !c.dataset.terminal);
    if (!cells.length) return;
    await Promise.all(cells.map(async (cell) => {
      try {
        const response = await fetch("/api/jobs/" + cell.dataset.liveStatus + "/status",
                                      { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const job = await response.json();
        cell.textContent = job.status + (job.status === "running" ? " (" + job.phase + ")" : "");
        cell.className = "status status-" + job.status;
        if (TERMINAL.includes(job.status)) {
          cell.dataset.terminal = "1";
          const cancel = cell.parentElement.querySelector("form[action$='/cancel']");
          if (cancel) cancel.remove();
        }
      } catch (err) { /* the next tick tries again */ }
    }));
    setTimeout(tick, 2000);
  }
  setTimeout(tick, 1000);
})();
