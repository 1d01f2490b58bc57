// Training console: start/stop a run, stream its progress over /ws/training, draw the curves.
import { ReconnectingSocket } from "./socket.js";
import { LineChart } from "./chart.js";

const $ = (id) => document.getElementById(id);
const rewardChart = new LineChart($("reward-chart"), { series: [{ color: "#2563eb" }] });
const successChart = new LineChart($("success-chart"), { series: [{ color: "#16a34a" }], yMin: 0, yMax: 1 });
let socket = null;
window.trainingProgress = 0; // progress frames received (read by the browser tests)

function csrf() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    ...options,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `HTTP ${response.status}`);
  return body;
}

function follow(run) {
  $("status").textContent = `Run ${run.id}: ${run.status}`;
  rewardChart.clear(); successChart.clear();
  socket = new ReconnectingSocket(() => `/ws/training?run=${run.id}`, {
    badge: $("badge"),
    onOpen: () => { rewardChart.clear(); successChart.clear(); }, // the server replays every row
    onFrame: (frame) => {
      if (frame.type === "progress") {
        window.trainingProgress += 1;
        rewardChart.add(0, frame.timesteps, frame.reward);
        successChart.add(0, frame.timesteps, frame.success_rate);
        $("status").textContent = `Run ${run.id}: episode ${frame.episode}, reward ${frame.reward?.toFixed(3)}, `
          + `success ${frame.success_rate?.toFixed(2)}, loss ${frame.loss?.toFixed(4) ?? "–"}`;
      } else if (frame.type === "status" && frame.status !== "running" && frame.status !== "queued") {
        $("status").textContent = `Run ${run.id}: ${frame.status}`
          + (frame.model_id ? ` → model #${frame.model_id} registered` : "") + (frame.error ? ` (${frame.error})` : "");
      } else if (frame.type === "error") {
        $("status").textContent = `Error: ${frame.detail}`;
      }
    },
  });
  socket.connect();
}

$("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(event.target));
  for (const key of ["timesteps", "n_envs", "seed"]) data[key] = Number(data[key]);
  for (const key of ["learning_rate", "gamma"]) data[key] = Number(data[key]);
  try { follow(await api("/api/training/start", { method: "POST", body: JSON.stringify(data) })); }
  catch (error) { $("status").textContent = `Could not start: ${error.message}`; }
});

$("stop").addEventListener("click", async () => {
  try { const run = await api("/api/training/stop", { method: "POST", body: "{}" }); $("status").textContent = `Run ${run.id}: stop requested`; }
  catch (error) { $("status").textContent = `Could not stop: ${error.message}`; }
});

// Re-attach to the latest run on page load.
api("/api/training/status").then(follow).catch(() => {});
