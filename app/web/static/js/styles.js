// How things are drawn, in one place: the map's layers read it and the legend shows it.
// Colours are told apart by more than hue: each level has its own line pattern and each route
// category its own width, and every category, "none" included, is a solid, visible line.

export const LEVELS = {
  1: { label: "Level 1 — do not fly", color: "#b2182b", dash: [1, 0], width: 3 },
  2: { label: "Level 2 — high risk", color: "#d95f02", dash: [4, 2], width: 2.5 },
  3: { label: "Level 3 — caution", color: "#7a5c00", dash: [1, 2], width: 2 },
};
export const AREA = { label: "Air-defence engagement area", color: "#5e2a94", dash: [6, 3], width: 2 };
export const INCIDENT = {
  hit: { label: "Incident: where an aircraft was hit", fill: "#ffffff", stroke: "#000000", radius: 7 },
  crash: { label: "Incident: crash site", fill: "#000000", stroke: "#000000", radius: 5 },
};
export const CATEGORIES = {
  none: { label: "Route: none", color: "#2b6cb0", width: 4 },
  low: { label: "Route: low", color: "#5f8f00", width: 5 },
  moderate: { label: "Route: moderate", color: "#e08a00", width: 6 },
  high: { label: "Route: high", color: "#c23b00", width: 7 },
  critical: { label: "Route: critical", color: "#67001f", width: 9 },
};
export const STATUS_WORDS = {
  scheduled: "scheduled",
  in_force: "in force",
  expired: "expired",
  withdrawn: "withdrawn",
  superseded: "superseded",
  lapsed_unconfirmed: "lapsed, unconfirmed: treated as in force — verify",
};

/** The basemap: Natural Earth countries from this server, on a sea-blue background. */
export function baseStyle() {
  return {
    version: 8,
    sources: { countries: { type: "geojson", data: `${location.origin}/basemap/countries.geojson` } },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#dfe9f2" } },
      { id: "countries", type: "fill", source: "countries", paint: { "fill-color": "#f4f1ea" } },
      { id: "borders", type: "line", source: "countries", paint: { "line-color": "#8a8a8a", "line-width": 0.7 } },
    ],
  };
}
