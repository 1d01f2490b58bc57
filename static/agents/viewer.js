// Live replay viewer: one socket, one episode at a time, drawn on a canvas.
import { ReconnectingSocket } from "./socket.js";
import { drawMaze } from "./maze_canvas.js";
import { LineChart } from "./chart.js";

const ACTIONS = ["up", "down", "left", "right"];
const $ = (id) => document.getElementById(id);
const LOG_ROWS = 200;

const state = {
  grid: null, start: null, goal: null, position: null, arrows: [], visited: new Set(), values: null, heatmap: false,
  step: 0, maxSteps: 200, cumulative: 0, done: false, success: false, playing: false,
  frames: 0, stepFrames: 0, stepTimes: [], episodes: 0, latencies: [], modelId: null, mazeId: null, errors: [],
};
window.viewerState = state; // read by the browser tests and handy in the console

const canvas = $("maze");
const chart = new LineChart($("chart"), { series: [{ color: "#2563eb" }] });
const speedInput = $("speed");
let socket;

function wsUrl() {
  const params = new URLSearchParams({ autoplay: "0", speed: speedInput.value });
  if ($("model").value) params.set("model", $("model").value);
  if (state.mazeId || $("maze-select").value) params.set("maze", state.mazeId || $("maze-select").value);
  return `${document.getElementById("viewer").dataset.ws}?${params}`;
}

function redraw() { drawMaze(canvas, state); }

function onEpisode(frame) {
  Object.assign(state, {
    grid: frame.grid, start: frame.start, goal: frame.goal, position: frame.position, arrows: frame.arrows,
    values: frame.values || null,
    visited: new Set([frame.position.join(",")]), step: 0, maxSteps: frame.max_steps, cumulative: 0,
    done: false, success: false, modelId: frame.model.id, mazeId: frame.maze_id,
  });
  state.episodes += 1;
  $("max-steps").textContent = $("m-max").textContent = frame.max_steps;
  $("step-count").textContent = $("m-steps").textContent = "0";
  $("m-reward").textContent = "0"; $("m-action").textContent = "–"; $("m-score").textContent = "–";
  $("m-outcome").textContent = "running";
  $("maze-select").value = frame.maze_id;
  $("log").replaceChildren();
  chart.clear();
  chart.add(0, 0, 0);
  $("message").textContent = `Model ${frame.model.name} v${frame.model.version} on maze ${frame.maze_id}`;
  showLegend();
  redraw();
}

function onStep(frame) {
  state.stepFrames += 1;
  state.stepTimes.push(performance.now());
  if (state.stepTimes.length > 1000) state.stepTimes.shift();
  state.latencies.push(Date.now() - frame.server_ts);
  if (state.latencies.length > 100) state.latencies.shift();
  Object.assign(state, { position: frame.position, step: frame.step, cumulative: frame.cumulative_reward,
    done: frame.done, success: frame.success });
  state.visited.add(frame.position.join(","));
  $("step-count").textContent = $("m-steps").textContent = frame.step;
  $("m-reward").textContent = frame.cumulative_reward.toFixed(2);
  $("m-action").textContent = ACTIONS[frame.action];
  $("m-score").textContent = Math.max(...frame.action_scores).toFixed(3);
  const sorted = [...state.latencies].sort((a, b) => a - b);
  $("m-latency").textContent = `${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (median)`;
  if (frame.done) {
    $("m-outcome").textContent = frame.success ? "reached the goal" : "ran out of steps";
    state.playing = false;
  }
  chart.add(0, frame.step, frame.cumulative_reward);
  const row = document.createElement("tr");
  for (const text of [frame.step, `(${frame.position})`, frame.reward.toFixed(2), frame.cumulative_reward.toFixed(2)]) {
    const td = document.createElement("td"); td.textContent = text; row.append(td);
  }
  const log = $("log");
  log.prepend(row);
  if (log.children.length > LOG_ROWS) log.lastChild.remove();
  redraw();
}

function onFrame(frame) {
  state.frames += 1;
  if (frame.type === "episode") onEpisode(frame);
  else if (frame.type === "step") onStep(frame);
  else if (frame.type === "state") state.playing = frame.playing;
  else if (frame.type === "error") { state.errors.push(frame.error); $("message").textContent = `Error: ${frame.detail}`; }
}

function showLegend() {
  const on = state.heatmap && state.values;
  $("heat-legend").hidden = !on;
  if (on) {
    $("heat-min").textContent = state.values.min.toFixed(2);
    $("heat-max").textContent = state.values.max.toFixed(2);
  }
}

function send(message) {
  if (!socket.send(message)) $("message").textContent = "Not connected; retrying…";
}

$("play").addEventListener("click", () => { state.playing = true; send({ type: "play" }); });
$("pause").addEventListener("click", () => { state.playing = false; send({ type: "pause" }); });
$("step").addEventListener("click", () => send({ type: "step" }));
$("reset").addEventListener("click", () => send({ type: "reset" }));
speedInput.addEventListener("input", () => {
  $("speed-value").textContent = speedInput.value;
  send({ type: "speed", value: Number(speedInput.value) });
});
$("default-speed").addEventListener("change", () => {
  speedInput.value = $("default-speed").value;
  speedInput.dispatchEvent(new Event("input"));
});
$("maze-select").addEventListener("change", () => { state.mazeId = $("maze-select").value; send({ type: "maze", value: state.mazeId }); });
$("model").addEventListener("change", () => send({ type: "model", value: $("model").value ? Number($("model").value) : null }));
$("heatmap").addEventListener("change", () => { state.heatmap = $("heatmap").checked; showLegend(); redraw(); });
state.heatmap = $("heatmap").checked;

// Staff: make the chosen policy everyone's default (POST /api/models/active), then replay it here.
const activate = $("activate");
if (activate) {
  activate.addEventListener("click", async () => {
    const csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
    const response = await fetch("/api/models/active", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
      body: JSON.stringify({ id: Number($("active-model").value) }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { $("activate-status").textContent = `Refused: ${body.detail || response.status}`; return; }
    $("activate-status").textContent = `Active: ${body.name} v${body.version}`;
    $("active-option").textContent = `Active model (${body.name} v${body.version})`;
    state.activeId = body.id;
    $("model").value = "";
    send({ type: "model", value: null });
  });
}

for (const tab of document.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[data-tab]")) {
      other.classList.toggle("on", other === tab);
      $(`tab-${other.dataset.tab}`).hidden = other !== tab;
    }
  });
}

socket = new ReconnectingSocket(wsUrl, { badge: $("badge"), onFrame });
socket.connect();
