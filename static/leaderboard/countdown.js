// Ticks every <time data-countdown> down to its datetime; the server renders the first value.
function format(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
  const pad = (n) => String(n).padStart(2, "0");
  return (d ? `${d} d ` : "") + `${pad(h)}:${pad(m)}:${pad(s)}`;
}

function tick() {
  for (const el of document.querySelectorAll("time[data-countdown]")) {
    const left = Math.max(0, (Date.parse(el.dateTime) - Date.now()) / 1000);
    el.textContent = format(left);
    if (left === 0 && !el.dataset.done) {
      el.dataset.done = "1";
      setTimeout(() => location.reload(), 2000);  // the phase changed state: show the new board
    }
  }
}

tick();
setInterval(tick, 1000);
