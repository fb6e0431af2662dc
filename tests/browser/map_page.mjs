// Drives the map page in headless Chromium (Debian's /usr/bin/chromium, WebGL by SwiftShader)
// with playwright-core, as a dispatcher would, on a desktop and on a 390 px phone:
//   - the layers draw from vector tiles, counted;
//   - MH17 replayed as advised then (as_of its departure) and as known now, from the page;
//   - a filed route (item 15, coordinates only) checked;
//   - bad input answered at the field in plain words, with nothing stale left on screen;
//   - a layer failure (the count answered 503) shown with a retry, the layers hidden, then
//     recovered by the retry;
//   - (desktop) watches: the dispatcher's key, the live alert stream, an editor's new zone
//     arriving as an alert that opens its route check.
// Any console error, page error, unexpected failed request or request off this host fails the
// run. Prints one JSON summary line.
//   node tests/browser/map_page.mjs BASE_URL OUTPUT_DIR PACKAGE_JSON DISPATCHER_KEY EDITOR_KEY ZONE_JSON
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const [baseUrl, outputDir, packageJson, dispatcherKey, editorKey, zonePath] = process.argv.slice(2);
const require = createRequire(packageJson);
const { chromium } = require("playwright-core");

const problems = [];
const report = {};
// Failures the run causes on purpose: the injected 503 and the refused bad route.
const expected = (url, status) =>
  (status === 503 && url.includes("/collections/conflict_zones/items")) ||
  (status === 422 && url.includes("/v1/route-checks"));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
  ],
});

async function open(viewport, name) {
  const page = await browser.newPage({ viewport });
  page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("503") && !m.text().includes("422")) problems.push(`${name} console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`${name} page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A stream or tile cancelled by the page itself is not a failure.
    if (!["net::ERR_ABORTED"].includes(r.failure()?.errorText)) problems.push(`${name} request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => { if (r.status() >= 400 && !expected(r.url(), r.status())) problems.push(`${name} HTTP ${r.status()}: ${r.url()}`); });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(baseUrl) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.push(`${name} off-host request: ${url}`);
  });
  await page.goto(`${baseUrl}/`, { waitUntil: "load" });
  await page.waitForFunction(() => window.airspaceRisk && window.airspaceRisk.ready);
  await page.evaluate(() => window.airspaceRisk.ready);
  return page;
}

// WCAG 2.1 contrast of every visible text of the bar and the panel against the background it
// sits on (the first opaque one up the tree): at least 4.5:1, or 3:1 for large text.
function lowContrast() {
  const channel = (v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const parse = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const background = (node) => {
    for (let e = node; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const node of document.querySelectorAll("#bar *, #panel *, #layer-status")) {
    const text = [...node.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join("");
    if (!text || node.getClientRects().length === 0) continue;
    const style = getComputedStyle(node);
    const [a, b] = [luminance(parse(style.color).slice(0, 3)), luminance(background(node))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) failures.push(`${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ""} "${text.slice(0, 30)}": ${ratio.toFixed(2)}`);
  }
  return failures;
}

const settled = () => window.airspaceRisk.route.result && !window.airspaceRisk.route.checking;

// On a phone the panel is a drawer: opened before the form is used (a check closes it).
async function openPanel(page) {
  if (await page.locator("#drawer-toggle").isVisible() && !(await page.evaluate(() => document.body.classList.contains("drawer-open")))) {
    await page.click("#drawer-toggle");
  }
}

async function checkRoute(page, fields) {
  await openPanel(page);
  for (const [selector, value] of Object.entries(fields)) await page.fill(selector, value);
  await page.evaluate(() => { window.airspaceRisk.route.result = null; });
  await page.focus("#check-route");
  await page.keyboard.press("Enter");
  await page.waitForFunction(settled);
  return page.evaluate(() => ({
    summary: window.airspaceRisk.route.result.summary,
    rows: [...document.querySelectorAll("#segments tbody tr")].map((tr) => ({
      category: tr.querySelector("td.category").textContent, why: tr.lastElementChild.textContent })),
    hazards: window.airspaceRisk.route.result.features.flatMap((f) => f.properties.hazards.map((h) => h.id)),
    labels: [...document.querySelectorAll(".waypoint-label")].map((l) => l.textContent),
  }));
}

async function scenario(viewport, name) {
  const page = await open(viewport, name);
  const out = {};
  const phone = viewport.width < 900;
  const box = await page.locator("#map").boundingBox();
  out.map = { width: box.width, height: box.height };
  out.scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  out.counts = await page.evaluate(() => window.airspaceRisk.layers.counts);
  await page.waitForFunction(() => !window.airspaceRisk.layers.loading);
  out.drawn = await page.evaluate(() => window.airspaceRisk.map.queryRenderedFeatures({ layers: ["zones-fill"] }).length);
  if (phone) {
    out.drawerClosed = !(await page.locator("#panel").isVisible());
    await page.click("#drawer-toggle");
    out.drawerOpen = await page.locator("#panel").isVisible();
  }

  // MH17 from the page: its departure, replayed through its last recorded position.
  await page.click('button[data-time="2014-07-17T10:31:00Z"]');
  await page.check('input[name="knowledge"][value="then"]');
  const mh17 = { "#departure": "EHAM", "#destination": "WMKK", "#via": "4807N03831E", "#cruise-fl": "330", "#icao-route": "" };
  out.then = await checkRoute(page, mh17);
  if (phone) out.mapAfterCheck = !(await page.locator("#panel").isVisible()) && (await page.locator("#map").isVisible());
  await page.evaluate(() => { window.airspaceRisk.route.result = null; });
  await page.check('input[name="knowledge"][value="now"]');  // the route is checked again at once
  await page.waitForFunction(() => window.airspaceRisk.route.result && !window.airspaceRisk.route.checking && !window.airspaceRisk.route.result.summary.as_of);
  out.now = await page.evaluate(() => ({
    summary: window.airspaceRisk.route.result.summary,
    segments: window.airspaceRisk.route.result.features.length,
    hazards: window.airspaceRisk.route.result.features.flatMap((f) => f.properties.hazards.map((h) => h.id)),
  }));
  await page.waitForFunction(() => !window.airspaceRisk.layers.loading);
  await page.waitForTimeout(500);
  out.noneDrawn = await page.evaluate(() => window.airspaceRisk.map.queryRenderedFeatures({ layers: ["route-line"], filter: ["==", ["get", "category"], "none"] }).length);
  await page.screenshot({ path: `${outputDir}/${name}-mh17.png` });
  if (!phone) {
    // A zone's popup: clicked where the map draws it; its record is asked for at the time.
    const spot = await page.evaluate(() => {
      const map = window.airspaceRisk.map;
      const canvas = map.getCanvas().getBoundingClientRect();
      for (let y = 20; y < canvas.height; y += 15) {
        for (let x = 20; x < canvas.width; x += 15) {
          const hit = map.queryRenderedFeatures([x, y], { layers: ["zones-fill"] });
          if (hit.length) return { x: canvas.left + x, y: canvas.top + y, id: hit[0].properties.id };
        }
      }
      return null;
    });
    await page.mouse.click(spot.x, spot.y);
    await page.waitForSelector(".maplibregl-popup-content strong");
    out.popup = { id: spot.id, text: await page.textContent(".maplibregl-popup-content") };
    await page.keyboard.press("Escape");
    out.lowContrast = await page.evaluate(lowContrast);
    // Exports of the route shown: GeoJSON and CSV files, and a printable briefing.
    const saved = async (button) => {
      const [file] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
      return readFileSync(await file.path(), "utf8");
    };
    const geojson = JSON.parse(await saved("#export-geojson"));
    const csv = (await saved("#export-csv")).trim().split("\n");
    await page.emulateMedia({ media: "print" });
    const printed = { map: await page.locator("#map").isVisible(), result: await page.locator("#route-result").isVisible() };
    await page.emulateMedia({ media: "screen" });
    out.exports = { features: geojson.features.length, csvRows: csv.length - 1, segments: out.now.segments, printed };
  }

  // A filed route, coordinates only (no navigation data needed).
  await page.click('button[data-time="2024-12-25T03:55:00Z"]');
  await page.waitForFunction(() => !window.airspaceRisk.route.checking);  // the re-check it caused
  out.filed = await checkRoute(page, { "#departure": "", "#destination": "", "#via": "", "#icao-route": "UBBB DCT 4130N04830E DCT URMG" });

  // Bad input: answered at the field, in plain words; the previous route is gone.
  await openPanel(page);
  await page.fill("#icao-route", "");
  await page.fill("#departure", "UB1");
  await page.fill("#destination", "URMG");
  await page.click("#check-route");
  await page.waitForSelector("#departure-error:not(:empty)");
  out.badInput = {
    hint: await page.textContent("#departure-error"),
    invalid: await page.getAttribute("#departure", "aria-invalid"),
    staleRows: await page.locator("#segments tbody tr").count(),
    resultHidden: await page.locator("#route-result").isHidden(),
    routeLeft: await page.evaluate(() => window.airspaceRisk.route.markers.length + (window.airspaceRisk.route.result ? 1 : 0)),
  };

  // A layer failure and its recovery.
  let fail = true;
  await page.route("**/collections/conflict_zones/items?limit=1*", (route) => (fail
    ? route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: "the database is unavailable" }) })
    : route.continue()));
  await page.click('button[data-time="2020-01-08T02:42:00Z"]');
  await page.waitForSelector("#layer-status.error button.retry");
  out.failure = {
    message: await page.textContent("#layer-status"),
    zonesVisible: await page.evaluate(() => window.airspaceRisk.map.getLayoutProperty("zones-1", "visibility")),
  };
  fail = false;
  await page.click("#layer-status button.retry");
  await page.waitForFunction(() => !document.getElementById("layer-status").classList.contains("error") && !window.airspaceRisk.layers.loading);
  out.recovered = {
    message: await page.textContent("#layer-status"),
    zonesVisible: await page.evaluate(() => window.airspaceRisk.map.getLayoutProperty("zones-1", "visibility")),
  };
  await page.unroute("**/collections/conflict_zones/items?limit=1*");
  await page.close();
  return out;
}

async function alerts() {
  const page = await open({ width: 1400, height: 900 }, "watches");
  await page.click("#tab-watches");
  await page.fill("#api-key", dispatcherKey);
  await page.click("#key-form button");
  await page.waitForFunction(() => window.airspaceRisk.watches.watches.length > 0 && document.getElementById("watch-status").textContent.startsWith("Connected"));
  const watches = await page.$$eval("#watch-list li", (li) => li.map((l) => l.textContent));
  // An editor draws a zone across the watched flight (an HTTP write, as an editor's tool does).
  const zone = JSON.parse(readFileSync(zonePath, "utf8"));
  const written = await fetch(`${baseUrl}/v1/conflict-zones`, {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${editorKey}` }, body: JSON.stringify(zone),
  });
  if (written.status !== 201) problems.push(`the editor's zone was refused: ${written.status} ${await written.text()}`);
  await page.waitForSelector("#alert-list li button", { timeout: 60000 });
  const alert = await page.textContent("#alert-list li");
  await page.click("#alert-list li button");
  await page.waitForFunction(() => window.airspaceRisk.route.result && !window.airspaceRisk.route.checking);
  const opened = await page.evaluate(() => window.airspaceRisk.route.result.features.flatMap((f) => f.properties.hazards.map((h) => h.id)));
  await page.screenshot({ path: `${outputDir}/watches.png` });
  await page.close();
  return { watches, alert, opened };
}

try {
  report.desktop = await scenario({ width: 1400, height: 900 }, "desktop");
  report.phone = await scenario({ width: 390, height: 844 }, "phone");
  if (dispatcherKey) report.alerts = await alerts();
} catch (error) {
  problems.push(`run stopped: ${error.message}`);
} finally {
  await browser.close();
}
report.problems = problems;
console.log(JSON.stringify(report));
process.exit(problems.length ? 1 : 0);
