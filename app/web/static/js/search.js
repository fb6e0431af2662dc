// Search by place (the basemap's countries), airport (the service's table) or zone name (a CQL2
// filter, case-insensitive, at the page's time): each result moves the map there.

import { fetchJson } from "./api.js";
import { clear, el } from "./dom.js";
import { layerState } from "./layers.js";

let countries = null;

function bounds(geometry) {
  const box = new maplibregl.LngLatBounds();
  const walk = (c) => (typeof c[0] === "number" ? box.extend(c) : c.forEach(walk));
  walk(geometry.coordinates);
  return box;
}

function result(map, text, go) {
  return el("li", {}, el("button", { type: "button", onclick: go }, text));
}

/** Find what the box says and list it; a failure is said in the list. */
async function search(map, text) {
  const list = clear(document.getElementById("search-results"));
  const wanted = text.trim();
  if (!wanted) return;
  list.append(el("li", {}, "Searching…"));
  // A quote doubled (CQL2 text), and LIKE's own wildcards taken literally (escaped with \).
  const quoted = wanted.replace(/'/g, "''").replace(/[%_\\]/g, (c) => `\\${c}`);
  const zoneQuery = new URLSearchParams(layerState.query.conflict_zones || "");
  zoneQuery.set("filter", `CASEI(name) LIKE CASEI('%${quoted}%')`);
  zoneQuery.set("limit", "10");
  zoneQuery.set("properties", "name,level");
  try {
    countries ??= await fetchJson("/basemap/countries.geojson");
    const [airports, zones] = await Promise.all([
      fetchJson(`/v1/airports?${new URLSearchParams({ q: wanted, limit: "8" })}`),
      fetchJson(`/collections/conflict_zones/items?${zoneQuery}`),
    ]);
    clear(list);
    const lower = wanted.toLowerCase();
    for (const country of countries.features.filter((f) => String(f.properties.NAME || f.properties.name || "").toLowerCase().includes(lower)).slice(0, 5)) {
      const name = country.properties.NAME || country.properties.name;
      list.append(result(map, `Place: ${name}`, () => map.fitBounds(bounds(country.geometry), { padding: 30, duration: 0 })));
    }
    for (const a of airports.airports) {
      list.append(result(map, `Airport: ${a.icao}${a.iata ? `/${a.iata}` : ""} ${a.name}`, () => map.jumpTo({ center: [a.lon, a.lat], zoom: 8 })));
    }
    for (const zone of zones.features) {
      list.append(result(map, `Zone: ${zone.properties.name}`, () => map.fitBounds(bounds(zone.geometry), { padding: 30, duration: 0 })));
    }
    if (zones.numberMatched > zones.features.length) list.append(el("li", {}, `…and ${zones.numberMatched - zones.features.length} more zones: refine the search.`));
    if (!list.children.length) list.append(el("li", {}, `Nothing called “${wanted}” at this time.`));
  } catch (error) {
    clear(list).append(el("li", { class: "error" }, `The search failed: ${error.message} `,
      el("button", { type: "button", class: "retry", onclick: () => search(map, text) }, "Retry")));
  }
}

/** Wire the search form. */
export function initSearch(map) {
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search(map, document.getElementById("search").value);
  });
}
