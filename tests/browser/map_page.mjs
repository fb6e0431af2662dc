// Drives the map page in headless Chromium (Debian's /usr/bin/chromium) with playwright-core:
// layers render, a route check through the form shows its segments, a row highlights its
// segment; any console error or failed request fails the run. Prints a JSON summary.
//   node tests/browser/map_page.mjs BASE_URL OUTPUT_DIR PACKAGE_JSON
import { createRequire } from "node:module";

const [baseUrl, outputDir, packageJson] = process.argv.slice(2);
const require = createRequire(packageJson);
const { chromium } = require("playwright-core");

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on("request", (r) => {
    if (!r.url().startsWith(baseUrl) && !r.url().startsWith("data:")) problems.push(`off-site request: ${r.url()}`);
  });

  await page.goto(`${baseUrl}/`, { waitUntil: "networkidle" });
  // Layers as valid on 25 Dec 2024, through the date control (keyboard: type, Enter).
  await page.click('button[data-date="2024-12-25"]');
  await page.waitForFunction(() => window.airspaceRisk.counts.engagement_areas > 0 && window.airspaceRisk.counts.incidents > 0);
  const counts = await page.evaluate(() => window.airspaceRisk.counts);
  const drawn = await page.locator(".leaflet-overlay-pane path.leaflet-interactive").count();

  await page.fill("#departure", "UBBB");
  await page.fill("#destination", "URMG");
  await page.fill("#cruise-fl", "250");
  await page.fill("#departure-time", "2024-12-25T03:55");
  await page.focus("#check-route");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#segments tbody tr");
  const rows = await page.$$eval("#segments tbody tr", (trs) =>
    trs.map((tr) => ({ category: tr.querySelector("td.category").textContent, why: tr.lastElementChild.textContent }))
  );
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${outputDir}/map.png` });
  const last = page.locator("#segments tbody tr").last();
  await last.focus();
  await page.keyboard.press("Enter");
  const selected = await page.locator("#segments tbody tr.selected").count();
  await page.screenshot({ path: `${outputDir}/selected.png` });
  console.log(JSON.stringify({ counts, drawn, rows, selected, problems }));
} finally {
  await browser.close();
}
process.exit(problems.length ? 1 : 0);
