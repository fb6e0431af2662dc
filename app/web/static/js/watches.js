// Watched flights and their alerts, live: the dispatcher's key (kept for this tab only), the
// list of watches, and the alert stream (Server-Sent Events read through fetch, which can send
// the key), each alert opening its flight's route check.

import { fetchJson, withKey } from "./api.js";
import { clear, el } from "./dom.js";

export const watchState = { key: sessionStorage.getItem("airspace-risk-key") || "", watches: [], alerts: [], streaming: false, controller: null };

function say(text, error = false) {
  const node = document.getElementById("watch-status");
  node.textContent = text;
  node.classList.toggle("error", error);
}

async function loadWatches(openCheck) {
  const list = clear(document.getElementById("watch-list"));
  try {
    watchState.watches = await fetchJson("/v1/watches", { headers: withKey(watchState.key) });
  } catch (error) {
    say(`The watches could not be read: ${error.message}`, true);
    list.append(el("li", {}, el("button", { type: "button", class: "retry", onclick: () => loadWatches(openCheck) }, "Retry")));
    return false;
  }
  for (const watch of watchState.watches) {
    const flight = watch.check.departure ? `${watch.check.departure}→${watch.check.destination}` : watch.check.icao_route || watch.id;
    list.append(el("li", {}, el("button", { type: "button", onclick: () => openCheck(watch) }, `${watch.id}: ${flight}`)));
  }
  if (!watchState.watches.length) list.append(el("li", {}, "No watched flights for this key."));
  return true;
}

function alertWords(alert) {
  const causes = (alert.cause || []).map((c) => c.name || c.id).filter(Boolean);
  const worst = Object.values(alert.summary || {}).map((s) => s.category).filter(Boolean);
  return `${alert.created_at.slice(0, 16).replace("T", " ")}Z ${alert.watch_id}: ` +
    `${alert.changes.length} change(s)${worst.length ? `, now ${worst.join(", ")}` : ""}` +
    `${causes.length ? ` — ${causes.join("; ")}` : ""}`;
}

function showAlert(alert, openCheck) {
  watchState.alerts.push(alert);
  const watch = watchState.watches.find((w) => w.id === alert.watch_id);
  const words = alertWords(alert);
  const item = el("li", {}, watch ? el("button", { type: "button", onclick: () => openCheck(watch) }, words) : words);
  document.getElementById("alert-list").prepend(item);
}

/** Read the alert stream until it is stopped, reconnecting after a failure. */
async function stream(openCheck) {
  let lastId = null;
  watchState.streaming = true;
  while (watchState.streaming) {
    const controller = new AbortController();
    watchState.controller = controller;
    try {
      const headers = withKey(watchState.key, lastId ? { "Last-Event-ID": String(lastId) } : {});
      const response = await fetch("/v1/alerts/stream", { headers, signal: controller.signal });
      if (!response.ok) throw new Error(`the alert stream answered ${response.status}`);
      say("Connected: alerts appear here as they are written.");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":") && l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
          if (fields.event === "alert" && fields.data) {
            lastId = Number(fields.id);
            showAlert(JSON.parse(fields.data), openCheck);
          }
        }
      }
    } catch (error) {
      if (!watchState.streaming || error.name === "AbortError") return;
      say(`The alert stream was interrupted (${error.message}); reconnecting…`, true);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function start(openCheck) {
  watchState.streaming = false;
  watchState.controller?.abort();
  if (!watchState.key) {
    say("Give a dispatcher key to see its watched flights and their alerts.");
    return;
  }
  if (await loadWatches(openCheck)) stream(openCheck);
}

/** The key form; opening an alert or a watch checks its next flight (openCheck(watch)). */
export function initWatches(openCheck) {
  const input = document.getElementById("api-key");
  input.value = watchState.key;
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    watchState.key = input.value.trim();
    sessionStorage.setItem("airspace-risk-key", watchState.key);
    start(openCheck);
  });
  start(openCheck);
}
