// Times the map page in headless Chromium (WebGL by SwiftShader), cold each run (a new browser
// context, so nothing cached): from navigation to
//   - ready: the layers counted and their tiles asked for (window.airspaceRisk.ready),
//   - drawn: the first map "idle" with zones rendered from the tiles (interactive),
//   - checked: a route check (UBBB→URMG) drawn on the map and in the table.
// Prints one JSON line: every run's times and the zones rendered.
//   node bench/map_page.mjs BASE_URL PACKAGE_JSON RUNS
import { createRequire } from "node:module";

const [baseUrl, packageJson, runsText] = process.argv.slice(2);
const require = createRequire(packageJson);
const { chromium } = require("playwright-core");
const runs = Number(runsText || 5);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
    "--disable-background-networking", "--no-first-run"],
});
const results = [];
try {
  for (let run = 0; run < runs; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const started = Date.now();
    await page.goto(`${baseUrl}/`, { waitUntil: "domcontentloaded" });
    await page.waitForFunction(() => window.airspaceRisk && window.airspaceRisk.ready);
    await page.evaluate(() => window.airspaceRisk.ready);
    const ready = Date.now() - started;
    await page.waitForFunction(
      () => !window.airspaceRisk.layers.loading && window.airspaceRisk.map.queryRenderedFeatures({ layers: ["zones-fill"] }).length > 0,
      null, { polling: 20, timeout: 60000 });
    const drawn = Date.now() - started;
    const rendered = await page.evaluate(() => window.airspaceRisk.map.queryRenderedFeatures({ layers: ["zones-fill"] }).length);
    const counts = await page.evaluate(() => window.airspaceRisk.layers.counts);
    await page.fill("#departure", "UBBB");
    await page.fill("#destination", "URMG");
    const asked = Date.now();
    await page.click("#check-route");
    await page.waitForFunction(() => window.airspaceRisk.route.result && !window.airspaceRisk.route.checking, null, { polling: 20 });
    const checked = Date.now() - asked;
    results.push({ ready_ms: ready, drawn_ms: drawn, route_check_ms: checked, rendered, counts, errors });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
