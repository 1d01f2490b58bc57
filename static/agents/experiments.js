// Lists MLflow experiments and their latest runs, with links into the MLflow UI.
const root = document.getElementById("experiments");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  node.append(...children);
  return node;
}

async function load() {
  const response = await fetch("/api/experiments");
  const body = await response.json();
  if (!response.ok) { root.replaceChildren(el("p", { className: "warn" }, body.detail)); return; }
  root.replaceChildren();
  for (const exp of body.results) {
    const section = el("section", {}, el("h2", {}, el("a", { href: exp.ui_url, target: "_blank" }, exp.name)));
    root.append(section);
    const detail = await (await fetch(`/api/experiments/${exp.id}`)).json();
    const rows = (detail.runs || []).slice(0, 20).map((run) => el("tr", {},
      el("td", {}, el("a", { href: run.ui_url, target: "_blank" }, run.name || run.id)),
      el("td", {}, run.status),
      el("td", {}, run.start_time ? new Date(run.start_time).toLocaleString() : ""),
      el("td", { className: "num" }, Object.entries(run.metrics).slice(0, 4)
        .map(([k, v]) => `${k}=${Number(v).toFixed(3)}`).join("  "))));
    section.append(rows.length ? el("table", { className: "board" }, el("tbody", {}, ...rows))
      : el("p", { className: "muted" }, "No runs."));
  }
  if (!body.results.length) root.append(el("p", { className: "muted" }, "No experiments yet."));
}
load();
