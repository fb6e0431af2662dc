// Layer toggles, a legend of what is on the map now (levels, areas and incidents drawn, the
// route's categories), and downloads of exactly what is shown.

import { clear, el } from "./dom.js";
import { layerState, toggleLayer } from "./layers.js";
import { AREA, CATEGORIES, INCIDENT, LEVELS } from "./styles.js";

const SVG = "http://www.w3.org/2000/svg";
const TOGGLES = [
  ["zones-1", LEVELS[1].label], ["zones-2", LEVELS[2].label], ["zones-3", LEVELS[3].label],
  ["areas-line", "Engagement areas"], ["incidents", "Incidents"], ["route-line", "Route"],
];

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  return node;
}

function swatch(kind, look) {
  const box = svg("svg", { width: 36, height: 14, "aria-hidden": "true" });
  if (kind === "circle") {
    box.append(svg("circle", { cx: 18, cy: 7, r: 5, fill: look.fill, stroke: look.stroke, "stroke-width": 2 }));
  } else if (kind === "line") {
    box.append(svg("line", { x1: 1, y1: 7, x2: 35, y2: 7, stroke: look.color, "stroke-width": Math.min(look.width, 9) }));
  } else {
    box.append(svg("rect", {
      x: 1, y: 1, width: 34, height: 12, fill: look.color, "fill-opacity": 0.2, stroke: look.color,
      "stroke-width": Math.min(look.width, 3), "stroke-dasharray": look.dash.map((d) => d * look.width).join(" "),
    }));
  }
  return box;
}

/** The toggles, wired to the map: a level's switch hides its outline and its fill. */
export function initToggles(map) {
  const box = document.getElementById("toggles");
  const levels = new Set([1, 2, 3]);
  for (const [id, label] of TOGGLES) {
    const input = el("input", { type: "checkbox", checked: true, "data-layer": id });
    input.addEventListener("change", () => {
      toggleLayer(map, id, input.checked);
      if (id.startsWith("zones-")) {
        const level = Number(id.slice(6));
        if (input.checked) levels.add(level);
        else levels.delete(level);
        map.setFilter("zones-fill", ["in", ["get", "level"], ["literal", [...levels]]]);
      }
      if (id === "areas-line") toggleLayer(map, "areas-fill", input.checked);
      if (id === "route-line") {
        for (const extra of ["route-casing", "route-selected", "route-points"]) toggleLayer(map, extra, input.checked);
        for (const label of document.querySelectorAll(".waypoint-label")) label.hidden = !input.checked;
      }
    });
    box.append(el("label", {}, input, ` ${label}`));
  }
}

/** The legend: only what the map shows now (asked of the rendered tiles) and the route's
 * categories. */
export function updateLegend(map, routeCategories) {
  const list = clear(document.getElementById("legend"));
  const drawn = (layer) => (map.getLayer(layer) ? map.queryRenderedFeatures({ layers: [layer] }) : []);
  const levels = new Set(drawn("zones-fill").map((f) => f.properties.level));
  for (const [level, look] of Object.entries(LEVELS)) {
    if (levels.has(Number(level))) list.append(el("li", {}, swatch("area", look), look.label));
  }
  if (drawn("areas-fill").length) list.append(el("li", {}, swatch("area", AREA), `${AREA.label} (reach; ceiling in its popup)`));
  const kinds = new Set(drawn("incidents").map((f) => f.properties.kind));
  for (const [kind, look] of Object.entries(INCIDENT)) {
    if (kinds.has(kind)) list.append(el("li", {}, swatch("circle", look), look.label));
  }
  for (const [name, look] of Object.entries(CATEGORIES)) {
    if (routeCategories.has(name)) list.append(el("li", {}, swatch("line", look), look.label));
  }
  if (!list.children.length) list.append(el("li", {}, "Nothing of the layers is in view at this time."));
}

/** Downloads of what is shown: the same statuses, time and knowledge as the map. */
export function updateDownloads() {
  const list = clear(document.getElementById("downloads"));
  const names = { conflict_zones: "Conflict zones", engagement_areas: "Engagement areas", incidents: "Incidents" };
  for (const [id, name] of Object.entries(names)) {
    const query = layerState.query[id] ? `?${layerState.query[id]}` : "";
    list.append(el("li", {}, `${name}: `,
      el("a", { href: `/collections/${id}/items.geojson${query}` }, "GeoJSON"), " · ",
      el("a", { href: `/collections/${id}/items.gpkg${query}` }, "GeoPackage"), " · ",
      el("a", { href: `/collections/${id}/items.csv${query}` }, "CSV")));
  }
}
