// A WebSocket that reconnects with exponential backoff and drives the header badge.
const BADGE = {
  connected: ["● Connected", "conn conn-on"],
  disconnected: ["● Disconnected", "conn conn-off"],
  reconnecting: ["● Reconnecting...", "conn conn-retry"],
};
// Close codes after which retrying would not help (server said no).
const FINAL_CODES = new Set([4404, 4408, 4429]);

export function setBadge(el, state) {
  if (!el) return;
  const [text, cls] = BADGE[state];
  el.textContent = text;
  el.className = cls;
  el.dataset.state = state;
}

export class ReconnectingSocket {
  constructor(urlFn, { badge, onFrame, onOpen, minDelay = 250, maxDelay = 5000 } = {}) {
    this.urlFn = urlFn;            // called on every (re)connect, so the URL carries current choices
    this.badge = badge;
    this.onFrame = onFrame || (() => {});
    this.onOpen = onOpen || (() => {});
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.attempt = 0;
    this.ws = null;
    setBadge(badge, "disconnected");
  }

  connect() {
    const url = new URL(this.urlFn(), window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => { this.attempt = 0; setBadge(this.badge, "connected"); this.onOpen(); };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      if (FINAL_CODES.has(event.code)) { setBadge(this.badge, "disconnected"); return; }
      setBadge(this.badge, "reconnecting");
      // Exponential backoff with jitter, so many viewers do not return in lockstep.
      const delay = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt += 1;
      setTimeout(() => this.connect(), delay);
    };
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }
}
