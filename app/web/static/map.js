// The risk map: the service's own layers and route checks on an offline basemap (Leaflet).
"use strict";

const LEVELS = {
  1: { label: "Level 1 — do not fly", color: "#b2182b", dash: null, weight: 3 },
  2: { label: "Level 2 — high risk", color: "#e66101", dash: "8 4", weight: 2 },
  3: { label: "Level 3 — caution", color: "#8c6d00", dash: "2 4", weight: 2 },
};
// Category colours run from blue to dark red and each also has its own line pattern, so that
// they are told apart without relying on red and green.
const CATEGORIES = {
  none: { color: "#2166ac", dash: "1 6", weight: 3 },
  low: { color: "#67a9cf", dash: "6 4", weight: 4 },
  moderate: { color: "#f1a340", dash: "10 4", weight: 5 },
  high: { color: "#d6604d", dash: null, weight: 6 },
  critical: { color: "#67001f", dash: null, weight: 8 },
};
const state = { counts: {}, layers: {}, route: null, segments: [], waypoints: [], markers: [] };
window.airspaceRisk = state;

const map = L.map("map", { worldCopyJump: true, zoomControl: true }).setView([42, 40], 4);
map.attributionControl.addAttribution("Countries: Natural Earth (public domain)");

function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function band(lower, upper) {
  const ft = (v) => (v >= 10000 ? `FL${String(Math.round(v / 100)).padStart(3, "0")}` : `${Number(v).toLocaleString("en")} ft`);
  if (lower == null && upper == null) return "all levels";
  if (lower == null) return `surface to ${ft(upper)}`;
  if (upper == null) return `${ft(lower)} and above`;
  return `${ft(lower)} to ${ft(upper)}`;
}

function sourcesHtml(sources) {
  const list = Array.isArray(sources) ? sources : String(sources || "").split(" ").filter(Boolean);
  return list.map((url, i) => `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">source ${i + 1}</a>`).join(", ");
}

function validity(p) {
  return `${(p.valid_from || "…").slice(0, 10)} – ${(p.valid_to || "…").slice(0, 10)}`;
}

async function getJson(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.detail || `${response.status} ${response.statusText}`);
  }
  return body;
}

async function loadBasemap() {
  const countries = await getJson("/basemap/countries.geojson");
  L.geoJSON(countries, {
    style: { color: "#8a8a8a", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
}

const STATUS_WORDS = {
  scheduled: "scheduled",
  in_force: "in force",
  expired: "expired",
  withdrawn: "withdrawn",
  superseded: "superseded",
  lapsed_unconfirmed: "lapsed, unconfirmed: treated as in force — verify",
};

// Status, issuer, instrument, when published and whom it binds, for a popup.
function issuedHtml(p) {
  const status = STATUS_WORDS[p.status] || p.status || "";
  const bound = p.binding_for ? `Binding for: ${escapeHtml(p.binding_for)}` : "Recommendation (binds no one)";
  return (
    `Status: <strong>${escapeHtml(status)}</strong><br>` +
    `${escapeHtml(p.issuer)} ${escapeHtml(p.instrument)} ${escapeHtml(p.reference || "")}, ` +
    `published ${escapeHtml((p.published_at || "").slice(0, 10))}<br>${bound}`
  );
}

function zoneLayer(collection) {
  return L.geoJSON(collection, {
    style: (f) => {
      const level = LEVELS[f.properties.level] || LEVELS[3];
      return { color: level.color, weight: level.weight, dashArray: level.dash, fillColor: level.color, fillOpacity: 0.12 };
    },
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(
        `<strong>${escapeHtml(p.name)}</strong><br>${escapeHtml(LEVELS[p.level]?.label)}<br>` +
          `Altitudes: ${escapeHtml(band(p.lower_ft, p.upper_ft))}<br>Valid: ${escapeHtml(validity(p))}<br>` +
          `${issuedHtml(p)}<br>Certainty: ${escapeHtml(p.certainty)}<br>` +
          `${sourcesHtml(p.sources)}<br><small>${escapeHtml(p.geometry_note || "")}</small>`
      );
    },
  });
}

function areaLayer(collection) {
  return L.geoJSON(collection, {
    style: { color: "#4a1486", weight: 2, dashArray: "12 6", fillOpacity: 0.05 },
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(
        `<strong>${escapeHtml(p.name)}</strong><br>System: ${escapeHtml(p.system)} (site ${escapeHtml(p.site_basis)})<br>` +
          `Reach ${Number(p.radius_nm).toFixed(0)} NM, ${escapeHtml(band(p.lower_ft, p.upper_ft))}<br>` +
          `Valid: ${escapeHtml(validity(p))}<br>${issuedHtml(p)}<br>Certainty: ${escapeHtml(p.certainty)}<br>${sourcesHtml(p.sources)}`
      );
    },
  });
}

function incidentLayer(collection) {
  return L.geoJSON(collection, {
    pointToLayer: (f, latlng) =>
      L.circleMarker(latlng, {
        radius: f.properties.kind === "hit" ? 7 : 5,
        color: "#000",
        weight: 2,
        fillColor: f.properties.kind === "hit" ? "#ffffff" : "#000000",
        fillOpacity: 1,
      }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(
        `<strong>${escapeHtml(p.flight)}</strong> (${escapeHtml(p.kind)})<br>${escapeHtml((p.occurred_at || "").slice(0, 10))}<br>` +
          `Fatalities: ${escapeHtml(p.fatalities)}<br>Weapon: ${escapeHtml(p.weapon)}<br>${sourcesHtml(p.sources)}`
      );
    },
  });
}

async function loadLayers(date) {
  const status = document.getElementById("layer-status");
  status.textContent = `Loading layers valid on ${date}…`;
  // Zones and engagement areas counting at noon that day (in force, or lapsed with no renewal
  // or withdrawal on record: never hidden as if safe); incidents that had happened by then.
  const valid = `limit=10000&status=in_force,lapsed_unconfirmed&at=${encodeURIComponent(`${date}T12:00:00Z`)}`;
  const before = `limit=10000&datetime=${encodeURIComponent(`../${date}`)}`;
  const [zones, areas, incidents] = await Promise.all([
    getJson(`/collections/conflict_zones/items?${valid}`),
    getJson(`/collections/engagement_areas/items?${valid}`),
    getJson(`/collections/incidents/items?${before}`),
  ]);
  for (const layer of Object.values(state.layers)) map.removeLayer(layer);
  state.layers = {
    conflict_zones: zoneLayer(zones).addTo(map),
    engagement_areas: areaLayer(areas).addTo(map),
    incidents: incidentLayer(incidents).addTo(map),
  };
  state.counts = {
    conflict_zones: zones.features.length,
    engagement_areas: areas.features.length,
    incidents: incidents.features.length,
  };
  if (state.route) state.route.bringToFront();
  status.textContent = `${date}: ${state.counts.conflict_zones} zones, ${state.counts.engagement_areas} engagement areas in force or lapsed-unconfirmed; ${state.counts.incidents} incidents up to then.`;
}

function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

function legend() {
  const swatch = (color, dash, weight, fill) =>
    `<svg width="36" height="14" aria-hidden="true"><rect x="1" y="1" width="34" height="12" fill="${fill || "none"}" ` +
    `fill-opacity="0.2" stroke="${color}" stroke-width="${Math.min(weight, 4)}" stroke-dasharray="${dash || ""}"/></svg>`;
  const items = Object.values(LEVELS).map((l) => `<li>${swatch(l.color, l.dash, l.weight, l.color)}${l.label}</li>`);
  items.push(`<li>${swatch("#4a1486", "12 6", 2)}Air-defence engagement area (reach, ceiling in popup)</li>`);
  items.push(`<li><svg width="36" height="14" aria-hidden="true"><circle cx="18" cy="7" r="5" fill="#fff" stroke="#000" stroke-width="2"/></svg>Incident: where hit (white) / crash site (black)</li>`);
  for (const [name, c] of Object.entries(CATEGORIES)) {
    items.push(`<li><svg width="36" height="14" aria-hidden="true"><line x1="1" y1="7" x2="35" y2="7" stroke="${c.color}" stroke-width="${Math.min(c.weight, 6)}" stroke-dasharray="${c.dash || ""}"/></svg>Route segment: ${name}</li>`);
  }
  document.getElementById("legend").innerHTML = items.join("");
}

function downloads() {
  const names = { conflict_zones: "Conflict zones", engagement_areas: "Engagement areas", incidents: "Incidents" };
  document.getElementById("downloads").innerHTML = Object.entries(names)
    .map(([id, name]) => `<li>${name}: <a href="/collections/${id}/items?f=geojson">GeoJSON</a> · <a href="/collections/${id}/items?f=gpkg">GeoPackage</a></li>`)
    .join("");
}

function routeRequest() {
  const body = { cruise_fl: Number(document.getElementById("cruise-fl").value) };
  const time = document.getElementById("departure-time").value;
  if (time) body.departure_time = `${time.length === 16 ? `${time}:00` : time}Z`;
  if (document.getElementById("pick-waypoints").checked && state.waypoints.length >= 2) {
    body.waypoints = state.waypoints.map((w) => ({ lat: w.lat, lon: w.lng }));
  } else {
    body.departure = document.getElementById("departure").value.trim().toUpperCase();
    body.destination = document.getElementById("destination").value.trim().toUpperCase();
  }
  return body;
}

function selectSegment(index) {
  state.segments.forEach((layer, i) => {
    const c = CATEGORIES[layer.feature.properties.category];
    layer.setStyle({ weight: i === index ? c.weight + 6 : c.weight, opacity: i === index || index == null ? 1 : 0.6 });
  });
  document.querySelectorAll("#segments tbody tr").forEach((row, i) => row.classList.toggle("selected", i === index));
  if (index != null) {
    state.segments[index].bringToFront();
    map.fitBounds(state.segments[index].getBounds(), { maxZoom: 7, padding: [30, 30] });
  }
}

function showSegments(result) {
  if (state.route) map.removeLayer(state.route);
  state.segments = [];
  state.route = L.geoJSON(result, {
    style: (f) => {
      const c = CATEGORIES[f.properties.category];
      return { color: c.color, weight: c.weight, dashArray: c.dash, lineCap: "butt" };
    },
    onEachFeature: (f, layer) => {
      state.segments.push(layer);
      layer.on("click", () => selectSegment(f.properties.index));
    },
  }).addTo(map);
  map.fitBounds(state.route.getBounds(), { padding: [30, 30] });
  const rows = result.features.map((f) => {
    const p = f.properties;
    const reasons = p.hazards.map((h) => escapeHtml(h.explanation)).join("<br>") || "—";
    const time = p.start.time ? `${p.start.time.slice(11, 16)}–${(p.end.time || "").slice(11, 16)}` : "—";
    return (
      `<tr tabindex="0" data-index="${p.index}"><td>${p.index}</td><td>${p.start_nm.toFixed(0)}–${p.end_nm.toFixed(0)}</td>` +
      `<td>${p.start.alt_ft}–${p.end.alt_ft}</td><td>${time}</td>` +
      `<td class="category cat-${p.category}">${p.category}</td><td>${p.score.toFixed(1)}</td><td>${reasons}</td></tr>`
    );
  });
  const tbody = document.querySelector("#segments tbody");
  tbody.innerHTML = rows.join("");
  tbody.querySelectorAll("tr").forEach((row) => {
    const pick = () => selectSegment(Number(row.dataset.index));
    row.addEventListener("click", pick);
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pick();
      }
    });
  });
  const s = result.summary;
  document.getElementById("route-status").textContent =
    `Overall: ${s.category} (${s.score.toFixed(1)}); ${result.incidents_nearby.length} incident(s) within ${s.incident_radius_nm} NM.`;
}

async function checkRoute(event) {
  event.preventDefault();
  const status = document.getElementById("route-status");
  status.classList.remove("error");
  status.textContent = "Checking…";
  try {
    const result = await getJson("/v1/route-checks?f=geojson", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/geo+json" },
      body: JSON.stringify(routeRequest()),
    });
    showSegments(result);
  } catch (error) {
    status.classList.add("error");
    status.textContent = `The route could not be checked: ${error.message}`;
  }
}

map.on("click", (event) => {
  if (!document.getElementById("pick-waypoints").checked) return;
  state.waypoints.push(event.latlng);
  state.markers.push(L.circleMarker(event.latlng, { radius: 4, color: "#0b57d0" }).addTo(map));
});
document.getElementById("clear-waypoints").addEventListener("click", () => {
  state.markers.forEach((m) => map.removeLayer(m));
  state.waypoints = [];
  state.markers = [];
});
document.getElementById("date-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadLayers(document.getElementById("layer-date").value);
});
document.querySelectorAll(".presets button").forEach((button) =>
  button.addEventListener("click", () => {
    const date = button.dataset.date === "today" ? todayUtc() : button.dataset.date;
    document.getElementById("layer-date").value = date;
    loadLayers(date);
  })
);
document.getElementById("route-form").addEventListener("submit", checkRoute);

legend();
downloads();
document.getElementById("layer-date").value = todayUtc();
state.ready = loadBasemap().then(() => loadLayers(todayUtc()));
