// The route check: the whole form (airports, via, a filed route and its EETs, level, speed,
// incident radius, operator), sent at the page's one time and knowledge; the answer as a table,
// on the map (every category a visible line, airports and waypoints labelled), exposure per
// threat, warnings, and exports. A failure says what was wrong, at the field, and leaves no
// earlier route on the screen.

import { fetchJson, friendly, ProblemError } from "./api.js";
import { append, clear, download, el } from "./dom.js";
import { CATEGORIES } from "./styles.js";
import { iso, time } from "./time.js";

export const routeState = { result: null, request: null, markers: [], selected: null, checking: false };
const FIELDS = ["departure", "destination", "via", "icao_route", "eets", "cruise_fl", "ground_speed_kt",
  "incident_radius_nm", "operator", "departure_time"];

/** Add the route's (empty) source and layers on top of the others. */
export function addRouteLayers(map) {
  map.addSource("route", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  const color = ["match", ["get", "category"], ...Object.entries(CATEGORIES).flatMap(([k, v]) => [k, v.color]), "#000000"];
  const width = ["match", ["get", "category"], ...Object.entries(CATEGORIES).flatMap(([k, v]) => [k, v.width]), 4];
  map.addLayer({ id: "route-casing", type: "line", source: "route", filter: ["==", ["geometry-type"], "LineString"],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": "#ffffff", "line-width": ["+", width, 4] } });
  map.addLayer({ id: "route-line", type: "line", source: "route", filter: ["==", ["geometry-type"], "LineString"],
    layout: { "line-cap": "butt", "line-join": "round" }, paint: { "line-color": color, "line-width": width } });
  map.addLayer({ id: "route-selected", type: "line", source: "route", filter: ["==", ["get", "index"], -1],
    paint: { "line-color": "#ffbf47", "line-width": ["+", width, 6], "line-opacity": 0.85 } });
  map.moveLayer("route-line");
  map.addSource("route-points", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "route-points", type: "circle", source: "route-points",
    paint: { "circle-radius": 4, "circle-color": "#ffffff", "circle-stroke-color": "#111111", "circle-stroke-width": 2 } });
  map.on("click", "route-line", (event) => selectSegment(map, event.features[0].properties.index));
}

function value(id) {
  return document.getElementById(id).value.trim();
}

/** The request the form says, at the page's time. */
export function routeRequest() {
  const body = { departure_time: iso(time.at) };
  if (time.knowledge === "then") body.as_of = iso(time.at);
  const filed = value("icao-route");
  if (filed) {
    body.icao_route = filed;
    if (value("eets")) body.eets = value("eets");
    if (value("departure")) body.departure = value("departure").toUpperCase();
    if (value("destination")) body.destination = value("destination").toUpperCase();
  } else {
    body.departure = value("departure").toUpperCase();
    body.destination = value("destination").toUpperCase();
    const via = value("via").split(/\s+/).filter(Boolean);
    if (via.length) body.via = via;
  }
  const numbers = { "cruise-fl": "cruise_fl", speed: "ground_speed_kt", "incident-radius": "incident_radius_nm" };
  for (const [id, name] of Object.entries(numbers)) {
    if (value(id) !== "") body[name] = Number(value(id));
  }
  if (value("operator-state")) body.operator = { state: value("operator-state").toUpperCase() };
  return body;
}

function clearFieldErrors() {
  for (const name of FIELDS) {
    const hint = document.getElementById(`${name}-error`);
    if (hint) hint.textContent = "";
  }
  for (const input of document.querySelectorAll("#route-form [aria-invalid]")) input.removeAttribute("aria-invalid");
}

function showFieldErrors(error) {
  const unplaced = [];
  for (const [field, reason] of error.fields) {
    const name = field.split(".")[0];
    const hint = document.getElementById(`${name}-error`);
    const input = document.querySelector(`#route-form [name="${name}"]`);
    const words = friendly(field, reason);
    if (hint) {
      hint.textContent = hint.textContent ? `${hint.textContent}; ${words}` : words;
      input?.setAttribute("aria-invalid", "true");
      input?.setAttribute("aria-describedby", `${name}-error`);
    } else {
      unplaced.push(`${field}: ${words}`);
    }
  }
  return unplaced;
}

/** Remove every trace of the last route: map, labels, table, summary. */
export function clearRoute(map) {
  routeState.result = null;
  routeState.selected = null;
  map.getSource("route").setData({ type: "FeatureCollection", features: [] });
  map.getSource("route-points").setData({ type: "FeatureCollection", features: [] });
  for (const marker of routeState.markers) marker.remove();
  routeState.markers = [];
  document.getElementById("route-result").hidden = true;
  for (const id of ["route-summary", "route-warnings", "incidents-nearby"]) clear(document.getElementById(id));
  for (const id of ["segments", "exposure"]) clear(document.querySelector(`#${id} tbody`));
}

function label(map, point, text) {
  const node = el("div", { class: "waypoint-label" }, text);
  routeState.markers.push(new maplibregl.Marker({ element: node, anchor: "bottom" }).setLngLat([point.lon, point.lat]).addTo(map));
}

function drawRoute(map, result) {
  map.getSource("route").setData(result);
  const waypoints = result.route.waypoints;
  map.getSource("route-points").setData({
    type: "FeatureCollection",
    features: waypoints.map((w) => ({ type: "Feature", geometry: { type: "Point", coordinates: [w.lon, w.lat] }, properties: { name: w.name } })),
  });
  // Labels: the airports and every named point, but not a crowd of them.
  const step = Math.max(1, Math.ceil(waypoints.length / 30));
  waypoints.forEach((w, i) => {
    if (w.name && (i === 0 || i === waypoints.length - 1 || i % step === 0)) label(map, w, w.name);
  });
  const bounds = new maplibregl.LngLatBounds();
  for (const w of waypoints) bounds.extend([w.lon, w.lat]);
  for (const f of result.features) for (const c of f.geometry.type === "LineString" ? f.geometry.coordinates : f.geometry.coordinates.flat()) bounds.extend(c);
  map.fitBounds(bounds, { padding: 40, maxZoom: 7, duration: 0 });
}

/** Highlight a segment on the map and in the table. */
export function selectSegment(map, index) {
  routeState.selected = index;
  map.setFilter("route-selected", ["==", ["get", "index"], index ?? -1]);
  document.querySelectorAll("#segments tbody tr").forEach((row) => row.classList.toggle("selected", Number(row.dataset.index) === index));
}

function clock(point) {
  return point.time ? point.time.slice(11, 16) : "—";
}

function fillTables(map, result) {
  const segments = document.querySelector("#segments tbody");
  for (const feature of result.features) {
    const p = feature.properties;
    const why = p.hazards.length ? p.hazards.map((h) => el("div", {}, h.explanation)) : ["—"];
    const row = el("tr", { tabindex: 0, "data-index": p.index },
      el("td", {}, p.index), el("td", {}, `${p.start_nm.toFixed(0)}–${p.end_nm.toFixed(0)}`),
      el("td", {}, `${p.start.alt_ft} → ${p.end.alt_ft}`), el("td", {}, `${clock(p.start)} → ${clock(p.end)}`),
      el("td", { class: `category cat-${p.category}` }, p.category), el("td", {}, p.score.toFixed(1)), el("td", {}, why));
    const pick = () => selectSegment(map, p.index);
    row.addEventListener("click", pick);
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pick();
      }
    });
    segments.append(row);
  }
  const exposure = document.querySelector("#exposure tbody");
  for (const threat of result.summary.exposure.by_threat) {
    exposure.append(el("tr", {}, el("td", {}, threat.threat), el("td", {}, threat.nm.toFixed(0)),
      el("td", {}, threat.minutes.toFixed(0)), el("td", { class: `category cat-${threat.category}` }, threat.category)));
  }
  if (!result.summary.exposure.by_threat.length) exposure.append(el("tr", {}, el("td", { colspan: 4 }, "No threat on this route.")));
  const nearby = document.getElementById("incidents-nearby");
  for (const incident of result.incidents_nearby) {
    const later = incident.after_departure ? " — after departure: not scored" : "";
    nearby.append(el("li", {}, `${incident.flight || incident.id}, ${incident.occurred_at.slice(0, 10)}, ${incident.distance_nm.toFixed(0)} NM from the route${later}`));
  }
  if (!result.incidents_nearby.length) nearby.append(el("li", {}, `None within ${result.summary.incident_radius_nm} NM.`));
}

function summarize(result) {
  const s = result.summary;
  const knowledge = s.as_of ? `as advised at ${s.as_of.slice(0, 16).replace("T", " ")}Z` : "as known now";
  append(clear(document.getElementById("route-summary")),
    el("p", {}, el("strong", { class: `cat-${s.category}` }, `Overall: ${s.category.toUpperCase()} (${s.score.toFixed(1)})`),
      `, ${result.route.length_nm.toFixed(0)} NM, ${knowledge}; data version ${s.data_version}.`),
    s.binding_prohibitions.length ? el("p", { class: "warning" }, `Binding prohibitions for this operator: ${s.binding_prohibitions.join(", ")}`) : null,
    (result.route.notes || []).length ? el("ul", {}, result.route.notes.map((n) => el("li", {}, n))) : null);
  const warnings = clear(document.getElementById("route-warnings"));
  for (const warning of s.warnings) warnings.append(el("p", { class: "warning", role: "alert" }, warning.message));
}

/** Check the route the form says; on success show it, on failure say why and show nothing old. */
export async function checkRoute(map, onShown) {
  const status = document.getElementById("route-status");
  clearFieldErrors();
  clearRoute(map);
  onShown(new Set());
  status.classList.remove("error");
  status.textContent = "Checking…";
  routeState.checking = true;
  const request = routeRequest();
  try {
    const result = await fetchJson("/v1/route-checks?f=geojson", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/geo+json" },
      body: JSON.stringify(request),
    });
    routeState.result = result;
    routeState.request = request;
    drawRoute(map, result);
    fillTables(map, result);
    summarize(result);
    document.getElementById("route-result").hidden = false;
    status.textContent = `Checked: ${result.features.length} segments.`;
    // On a phone the map comes first once there is a route to see (the drawer reopens on tap).
    if (matchMedia("(max-width: 899px)").matches && document.body.classList.contains("drawer-open")) {
      document.getElementById("drawer-toggle").click();
    }
    onShown(new Set(result.features.map((f) => f.properties.category)));
  } catch (error) {
    status.classList.add("error");
    clear(status);
    if (error instanceof ProblemError) {
      const unplaced = showFieldErrors(error);
      status.append(`The route could not be checked: ${error.fields.length ? "see the fields marked" : error.message}. `);
      if (unplaced.length) status.append(el("span", {}, unplaced.join("; ")));
      if (error.status >= 500 || error.status === 0) status.append(el("button", { type: "button", class: "retry", onclick: () => checkRoute(map, onShown) }, "Retry"));
    } else {
      status.append(`The route could not be checked: ${error.message}`);
    }
  } finally {
    routeState.checking = false;
  }
}

/** The exports of the route shown. */
export function initExports() {
  const name = () => {
    const r = routeState.request || {};
    return `route-${r.departure || "filed"}-${r.destination || ""}-${(r.departure_time || "").slice(0, 10)}`;
  };
  document.getElementById("export-geojson").addEventListener("click", () =>
    download(`${name()}.geojson`, "application/geo+json", JSON.stringify(routeState.result, null, 1)));
  document.getElementById("export-csv").addEventListener("click", () => {
    const lines = ["index,start_nm,end_nm,start_alt_ft,end_alt_ft,start_time,end_time,category,score,hazards"];
    for (const f of routeState.result.features) {
      const p = f.properties;
      const hazards = p.hazards.map((h) => h.id).join(" ");
      lines.push([p.index, p.start_nm, p.end_nm, p.start.alt_ft, p.end.alt_ft, p.start.time || "", p.end.time || "", p.category, p.score, `"${hazards}"`].join(","));
    }
    download(`${name()}.csv`, "text/csv", `${lines.join("\n")}\n`);
  });
  document.getElementById("export-print").addEventListener("click", () => window.print());
}
