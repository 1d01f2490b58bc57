// The job page, live: status and log over /ws/jobs/<id>/live; metrics and
// pictures are swapped in when the job ends (no reload). Without JS the page
// is still complete, minus the live parts.
(function () {
  "use strict";
  const log = document.getElementById("job-log");
  const statusEl = document.getElementById("job-status");

  function setStatus(frame) {
    statusEl.textContent = frame.status;
    statusEl.className = "status status-" + frame.status;
    document.getElementById("job-phase").textContent = frame.phase;
    document.getElementById("job-attempts").textContent = frame.attempts;
    const error = document.getElementById("job-error");
    error.textContent = frame.error || "";
    error.hidden = !frame.error;
    if (["completed", "failed", "cancelled"].includes(frame.status)) {
      const cancel = document.getElementById("cancel-form");
      if (cancel) cancel.remove();
    }
  }

  async function refreshResults() {
    const html = await (await fetch(window.location.href, { credentials: "same-origin" })).text();
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("results");
    const here = document.getElementById("results");
    if (fresh && here) here.replaceWith(fresh);
    loadPictures();
  }

  async function loadPictures() {
    const box = document.getElementById("pictures");
    if (!box || box.dataset.loaded) return;
    box.dataset.loaded = "1";
    try {
      const body = await (await fetch(box.dataset.src, { credentials: "same-origin" })).json();
      if (!body.pictures.length) { box.insertAdjacentHTML("beforeend", '<p class="muted">No pictures for this run.</p>'); return; }
      for (const picture of body.pictures) {
        const figure = document.createElement("figure");
        const img = document.createElement("img");
        img.loading = "lazy"; img.src = picture.url; img.alt = picture.name;
        const caption = document.createElement("figcaption");
        caption.textContent = picture.name;
        figure.append(img, caption);
        box.append(figure);
      }
    } catch (err) {
      box.insertAdjacentHTML("beforeend", '<p class="muted">Pictures are unavailable right now.</p>');
    }
  }

  function connect(offset) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + log.dataset.ws + "?offset=" + offset);
    let ended = false;
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "status") setStatus(frame);
      else if (frame.type === "log") {
        const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
        log.append(document.createTextNode(frame.text));
        log.dataset.offset = frame.next_offset;
        if (atBottom) log.scrollTop = log.scrollHeight;
      } else if (frame.type === "end") {
        ended = true;
        if (frame.status === "completed" && document.getElementById("results").dataset.pending) refreshResults();
      }
    };
    socket.onclose = () => {
      // A dropped socket (server restart, proxy timeout) resumes where the log stopped.
      if (!ended) setTimeout(() => connect(Number(log.dataset.offset || 0)), 2000);
    };
  }

  if (log) connect(0);
  loadPictures();
})();
