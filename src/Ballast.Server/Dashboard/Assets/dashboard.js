// Ballast's dashboard script. Pages are complete without it; it adds the theme switch (kept in localStorage).
"use strict";
(() => {
  const root = document.documentElement;
  const saved = localStorage.getItem("ballast-theme");
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;

  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-theme-toggle]")) return;
    const dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    localStorage.setItem("ballast-theme", root.dataset.theme);
  });
})();

// Live updates: a page showing monitors ([data-monitor="NAME"]) follows their state over server-sent events
// (/api/v1/events), updating each monitor's badge ([data-state]) and latency ([data-latency]) in place. The stream
// starts from the position the page was rendered at (data-live-since), so nothing that changed in between is missed.
(() => {
  const indicator = document.querySelector("[data-live]");
  if (!window.EventSource || !document.querySelector("[data-monitor]")) return;
  const labels = { live: "Live", reconnecting: "Reconnecting…", offline: "Offline, retrying" };
  const show = (state) => {
    if (!indicator) return;
    indicator.hidden = false;
    indicator.dataset.live = state;
    indicator.textContent = labels[state];
  };
  const apply = (monitor) => {
    for (const element of document.querySelectorAll(`[data-monitor="${CSS.escape(monitor.name)}"]`)) {
      for (const badge of element.querySelectorAll("[data-state]")) {
        badge.dataset.state = monitor.state;
        badge.textContent = monitor.state;
        for (const name of [...badge.classList]) if (name.startsWith("state-")) badge.classList.remove(name);
        badge.classList.add("state-" + monitor.state.toLowerCase());
      }
      for (const cell of element.querySelectorAll("[data-latency]"))
        cell.textContent = monitor.latencyMs == null ? "—" : `${Math.round(monitor.latencyMs)} ms`;
    }
  };
  let wait = 1000;
  const connect = () => {
    const since = indicator && indicator.dataset.liveSince;
    const source = new EventSource("/api/v1/events" + (since ? "?since=" + encodeURIComponent(since) : ""));
    source.addEventListener("monitor", (event) => apply(JSON.parse(event.data)));
    // Pages that show incidents listen for this rather than opening a stream of their own.
    source.addEventListener("incident", (event) =>
      document.dispatchEvent(new CustomEvent("ballast:incident", { detail: JSON.parse(event.data) })));
    source.addEventListener("sync", () => { wait = 1000; show("live"); });
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) { show("reconnecting"); return; }
      // Closed for good (the session ended, the server refused): try again, less and less often.
      show("offline");
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 60000);
    });
  };
  connect();
})();
