// The risk map: one time for layers and route, the route check, layers and search, watches
// with live alerts. MapLibre GL JS (served from this origin, its CSP build) draws vector tiles.

import { addLayers, layerState, showLayers, watchTileErrors } from "./layers.js";
import { initToggles, updateDownloads, updateLegend } from "./legend.js";
import { addRouteLayers, checkRoute, initExports, routeState } from "./route.js";
import { initSearch } from "./search.js";
import { initTime, onTimeChange, setTime, time } from "./time.js";
import { initWatches, watchState } from "./watches.js";
import { baseStyle } from "./styles.js";

maplibregl.setWorkerUrl("/static/vendor/maplibre/maplibre-gl-csp-worker.js");

const map = new maplibregl.Map({
  container: "map",
  style: baseStyle(),
  center: [40, 45],
  zoom: 3,
  attributionControl: { compact: true, customAttribution: "Countries: Natural Earth (public domain)" },
  renderWorldCopies: true,
});
map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "nautical" }), "bottom-right");

let routeCategories = new Set();
const refreshLegend = () => updateLegend(map, routeCategories);

// Tests and scripts read the page's state here.
window.airspaceRisk = { map, time, layers: layerState, route: routeState, watches: watchState };

function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const choose = (tab) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    }
    tab.focus();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => choose(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) choose(tabs[(i + step + tabs.length) % tabs.length]);
    });
  });
}

function initDrawer() {
  const button = document.getElementById("drawer-toggle");
  button.addEventListener("click", () => {
    const open = document.body.classList.toggle("drawer-open");
    button.setAttribute("aria-expanded", String(open));
    if (open) document.querySelector('[role="tab"][aria-selected="true"]').focus();
  });
}

/** Put a request (a watch's, say) in the form and check it at its next departure. */
function openCheck(watch) {
  const check = watch.check;
  const set = (id, v) => (document.getElementById(id).value = v ?? "");
  set("departure", check.departure);
  set("destination", check.destination);
  set("via", (check.via || []).join(" "));
  set("icao-route", check.icao_route);
  set("eets", check.eets);
  set("cruise-fl", check.cruise_fl);
  set("speed", check.ground_speed_kt);
  set("incident-radius", check.incident_radius_nm);
  set("operator-state", check.operator?.state);
  const departures = Object.keys(watch.flights || {}).sort();
  if (departures.length) setTime(new Date(departures[0]), "now");
  document.getElementById("tab-route").click();
  checkRoute(map, shownCategories);
}

function shownCategories(categories) {
  routeCategories = categories;
  refreshLegend();
}

initTime();
initTabs();
initDrawer();
initExports();
initSearch(map);
document.getElementById("route-form").addEventListener("submit", (event) => {
  event.preventDefault();
  checkRoute(map, shownCategories);
});

window.airspaceRisk.ready = new Promise((resolve) => {
  map.on("load", async () => {
    addLayers(map, time);
    addRouteLayers(map);
    initToggles(map);
    watchTileErrors(map, () => time);
    onTimeChange(async (now) => {
      // One time for all: a route on the screen is checked again at the new departure time.
      if (routeState.result || routeState.request) checkRoute(map, shownCategories);
      await showLayers(map, now);
      updateDownloads();
    });
    map.on("idle", refreshLegend);
    await showLayers(map, time);
    updateDownloads();
    initWatches(openCheck);
    resolve();
  });
});
