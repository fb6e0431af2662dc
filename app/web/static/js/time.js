// The one time the page shows: the layers as they were then and the route's departure, with
// the knowledge to use ("as known now", or "as advised then": only what was published by then).

const START = Date.UTC(2014, 0, 1);
const HOUR = 3600 * 1000;
const listeners = [];
export const time = { at: new Date(Math.floor(Date.now() / 60000) * 60000), knowledge: "now" };

/** RFC 3339 in UTC, to the minute. */
export function iso(date) {
  return `${date.toISOString().slice(0, 16)}:00Z`;
}

/** The time as people read it. */
export function shown(date) {
  return `${date.toISOString().slice(0, 16).replace("T", " ")}Z`;
}

/** Call fn(time) whenever the time or the knowledge changes. */
export function onTimeChange(fn) {
  listeners.push(fn);
}

/** Set the time (and knowledge), show it, and tell the listeners. */
export function setTime(at, knowledge = time.knowledge) {
  time.at = new Date(Math.floor(at.getTime() / 60000) * 60000);
  time.knowledge = knowledge;
  render();
  for (const fn of listeners) fn(time);
}

function render() {
  const slider = document.getElementById("time-slider");
  slider.value = String(Math.round((time.at.getTime() - START) / HOUR));
  document.getElementById("time-exact").value = time.at.toISOString().slice(0, 16);
  document.getElementById("time-text").textContent = shown(time.at);
  document.getElementById("departure-echo").textContent = shown(time.at);
  document.getElementById("knowledge-echo").textContent =
    time.knowledge === "then" ? "as advised then (only what was published by then)" : "as known now";
  document.querySelector(`input[name="knowledge"][value="${time.knowledge}"]`).checked = true;
  slider.setAttribute("aria-valuetext", shown(time.at));
}

/** Wire the bar's controls. */
export function initTime() {
  const slider = document.getElementById("time-slider");
  slider.max = String(Math.ceil((Date.now() + 365 * 24 * HOUR - START) / HOUR));
  // The slider moves as it is dragged; the layers follow when it is let go.
  slider.addEventListener("input", () => {
    document.getElementById("time-text").textContent = shown(new Date(START + Number(slider.value) * HOUR));
  });
  slider.addEventListener("change", () => setTime(new Date(START + Number(slider.value) * HOUR)));
  document.getElementById("time-exact").addEventListener("change", (event) => {
    if (event.target.value) setTime(new Date(`${event.target.value}:00Z`));
  });
  for (const radio of document.querySelectorAll('input[name="knowledge"]')) {
    radio.addEventListener("change", () => setTime(time.at, radio.value));
  }
  for (const button of document.querySelectorAll(".presets button")) {
    button.addEventListener("click", () => {
      const value = button.dataset.time;
      setTime(value === "now" ? new Date() : new Date(value));
    });
  }
  document.getElementById("time-form").addEventListener("submit", (event) => event.preventDefault());
  render();
}
