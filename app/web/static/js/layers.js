// The three layers, as vector tiles of the one time (statuses then, and as advised then or as
// known now), their counts, popups, toggles and failures. Tiles hold every feature, so nothing
// is a silent subset; the counts come from the items' numberMatched.

import { fetchJson } from "./api.js";
import { band, clear, el, sourceLinks } from "./dom.js";
import { AREA, INCIDENT, LEVELS, STATUS_WORDS } from "./styles.js";
import { iso, shown } from "./time.js";

const COUNTING = "in_force,lapsed_unconfirmed";
export const LAYERS = {
  conflict_zones: { source: "zones", layers: ["zones-fill", "zones-1", "zones-2", "zones-3"] },
  engagement_areas: { source: "areas", layers: ["areas-fill", "areas-line"] },
  incidents: { source: "incidents", layers: ["incidents"] },
};
export const layerState = { counts: {}, errors: {}, query: {}, loading: false, generation: 0 };

/** The query a layer is drawn and counted with at a time. */
export function layerQuery(collection, at, knowledge) {
  const params = new URLSearchParams();
  if (collection === "incidents") {
    params.set("datetime", `../${iso(at)}`);
  } else {
    params.set("status", COUNTING);
    params.set("at", iso(at));
    if (knowledge === "then") params.set("as_of", iso(at));
  }
  return params;
}

// What the tiles carry: only what the map styles by (a popup asks for the rest), so that a
// tile of thousands of zones stays small.
const TILE_PROPERTIES = { conflict_zones: "level", engagement_areas: "", incidents: "kind" };

function tileUrl(collection, params) {
  const query = new URLSearchParams(params);
  query.set("properties", TILE_PROPERTIES[collection]);
  return `${location.origin}/tiles/${collection}/{z}/{x}/{y}.mvt?${query}`;
}

/** Add the sources and layers, hidden until showLayers has counted them. */
export function addLayers(map, time) {
  for (const [collection, { source }] of Object.entries(LAYERS)) {
    const query = layerQuery(collection, time.at, time.knowledge);
    map.addSource(source, { type: "vector", tiles: [tileUrl(collection, query)], minzoom: 0, maxzoom: 10 });
  }
  map.addLayer({
    id: "zones-fill", type: "fill", source: "zones", "source-layer": "conflict_zones",
    paint: { "fill-color": ["match", ["get", "level"], 1, LEVELS[1].color, 2, LEVELS[2].color, LEVELS[3].color], "fill-opacity": 0.12 },
  });
  for (const [level, look] of Object.entries(LEVELS)) {
    map.addLayer({
      id: `zones-${level}`, type: "line", source: "zones", "source-layer": "conflict_zones",
      filter: ["==", ["get", "level"], Number(level)],
      paint: { "line-color": look.color, "line-width": look.width, "line-dasharray": look.dash },
    });
  }
  map.addLayer({
    id: "areas-fill", type: "fill", source: "areas", "source-layer": "engagement_areas",
    paint: { "fill-color": AREA.color, "fill-opacity": 0.06 },
  });
  map.addLayer({
    id: "areas-line", type: "line", source: "areas", "source-layer": "engagement_areas",
    paint: { "line-color": AREA.color, "line-width": AREA.width, "line-dasharray": AREA.dash },
  });
  map.addLayer({
    id: "incidents", type: "circle", source: "incidents", "source-layer": "incidents",
    paint: {
      "circle-radius": ["match", ["get", "kind"], "hit", INCIDENT.hit.radius, INCIDENT.crash.radius],
      "circle-color": ["match", ["get", "kind"], "hit", INCIDENT.hit.fill, INCIDENT.crash.fill],
      "circle-stroke-color": "#000000",
      "circle-stroke-width": 2,
    },
  });
  for (const collection of Object.keys(LAYERS)) setVisible(map, collection, false);
  for (const id of ["zones-fill", "areas-fill", "incidents"]) {
    map.on("click", id, (event) => popup(map, event));
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
}

function line(label, value) {
  return value === null || value === undefined || value === "" ? null : el("div", {}, el("strong", {}, `${label}: `), String(value));
}

function popupContent(layer, p) {
  const validity = `${(p.valid_from || "…").slice(0, 10)} – ${(p.valid_to || "open").slice(0, 10)}`;
  const issued = [
    line("Status", STATUS_WORDS[p.status] || p.status),
    line("Issued by", [p.issuer, p.instrument, p.reference].filter(Boolean).join(" ")),
    line("Published", (p.published_at || "").slice(0, 10)),
    line("Binding for", p.binding_for || "no one (a recommendation)"),
  ];
  if (layer === "incidents") {
    return el("div", {}, el("strong", {}, `${p.flight || p.id} (${p.kind})`),
      line("When", (p.occurred_at || "").slice(0, 16).replace("T", " ")),
      line("Fatalities", p.fatalities), line("Weapon", p.weapon), line("Certainty", p.certainty),
      el("div", {}, sourceLinks(p.sources)));
  }
  if (layer === "engagement_areas") {
    return el("div", {}, el("strong", {}, p.name),
      line("System", `${p.system} (site ${p.site_basis})`),
      line("Reach", `${Number(p.radius_nm).toFixed(0)} NM, ${band(p.lower_ft, p.upper_ft)}`),
      line("Valid", validity), ...issued, line("Certainty", p.certainty), el("div", {}, sourceLinks(p.sources)));
  }
  return el("div", {}, el("strong", {}, p.name), line("Level", LEVELS[p.level]?.label),
    line("Altitudes", band(p.lower_ft, p.upper_ft)), line("Valid", validity), ...issued,
    line("Certainty", p.certainty), el("div", {}, sourceLinks(p.sources)));
}

/** A feature's popup: its record asked for at the page's time and knowledge (the tiles carry
 * only what styles it), or why it could not be. */
async function popup(map, event) {
  const feature = event.features[0];
  const layer = feature.sourceLayer;
  const shown = new maplibregl.Popup({ maxWidth: "340px" }).setLngLat(event.lngLat).setDOMContent(el("div", {}, "Loading…")).addTo(map);
  const query = new URLSearchParams(layerState.query[layer] || "");
  query.set("filter", `id = '${String(feature.properties.id).replace(/'/g, "''")}'`);
  try {
    const answer = await fetchJson(`/collections/${layer}/items?${query}`);
    const record = answer.features[0];
    shown.setDOMContent(record ? popupContent(layer, { ...record.properties, id: record.id }) : el("div", {}, "This record is no longer shown at this time."));
  } catch (error) {
    shown.setDOMContent(el("div", { class: "error" }, `Its details could not be read: ${error.message}`));
  }
}

function setVisible(map, collection, visible) {
  for (const id of LAYERS[collection].layers) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible && !hidden.has(id) ? "visible" : "none");
  }
}

// Layers the user switched off (the toggles), apart from those hidden after a failure.
const hidden = new Set();

/** Whether a map layer belongs to a layer that failed to load (hidden until a retry works). */
function failed(id) {
  return Object.entries(LAYERS).some(
    ([collection, { layers }]) => layers.includes(id) && (layerState.errors.counts || layerState.errors[collection])
  );
}

/** Switch a map layer on or off (a toggle). */
export function toggleLayer(map, id, on) {
  if (on) hidden.delete(id);
  else hidden.add(id);
  if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on && !failed(id) ? "visible" : "none");
}

function status() {
  return document.getElementById("layer-status");
}

function showError(map, message, retry) {
  const node = clear(status());
  node.classList.add("error");
  node.append(`${message} `, el("button", { type: "button", class: "retry", onclick: retry }, "Retry"));
}

/** Show the layers at a time: counted first (a failure leaves no stale layer on the map), then
 * drawn from tiles of the same query. */
export async function showLayers(map, time) {
  const generation = ++layerState.generation;
  layerState.loading = true;
  const node = status();
  node.classList.remove("error");
  node.textContent = `Loading layers for ${shown(time.at)}…`;
  const queries = Object.fromEntries(Object.keys(LAYERS).map((c) => [c, layerQuery(c, time.at, time.knowledge)]));
  let counts;
  try {
    const answers = await Promise.all(
      Object.entries(queries).map(([c, params]) => fetchJson(`/collections/${c}/items?limit=1&${params}`))
    );
    counts = Object.fromEntries(Object.keys(LAYERS).map((c, i) => [c, answers[i].numberMatched]));
  } catch (error) {
    if (generation !== layerState.generation) return;
    layerState.loading = false;
    layerState.errors = { counts: error.message };
    for (const collection of Object.keys(LAYERS)) setVisible(map, collection, false);
    showError(map, `The layers for ${shown(time.at)} could not be loaded: ${error.message}.`, () => showLayers(map, time));
    return;
  }
  if (generation !== layerState.generation) return;
  layerState.errors = {};
  layerState.counts = counts;
  layerState.query = Object.fromEntries(Object.entries(queries).map(([c, p]) => [c, p.toString()]));
  for (const [collection, { source }] of Object.entries(LAYERS)) {
    map.getSource(source).setTiles([tileUrl(collection, queries[collection])]);
    setVisible(map, collection, true);
  }
  const knowledge = time.knowledge === "then" ? "as advised then" : "as known now";
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  node.textContent =
    `${shown(time.at)} (${knowledge}): ${plural(counts.conflict_zones, "zone", "zones")} and ` +
    `${plural(counts.engagement_areas, "engagement area", "engagement areas")} in force or ` +
    `lapsed-unconfirmed; ${plural(counts.incidents, "incident", "incidents")} up to then.`;
  map.once("idle", () => {
    if (generation === layerState.generation) layerState.loading = false;
  });
}

/** A tile that fails is said where the layers are said, with a retry; its layer is hidden, so
 * that no half-drawn or stale layer stays on the map. */
export function watchTileErrors(map, time) {
  map.on("error", (event) => {
    const collection = Object.keys(LAYERS).find((c) => LAYERS[c].source === event.sourceId);
    if (!collection) return;
    layerState.errors[collection] = event.error?.message || "tile failed";
    setVisible(map, collection, false);
    const status = event.error?.status ? ` (HTTP ${event.error.status})` : "";
    showError(map, `Part of the ${collection.replace("_", " ")} layer could not be loaded${status}.`, () => showLayers(map, time()));
  });
}
