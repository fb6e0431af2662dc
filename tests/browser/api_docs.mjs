// Opens the API docs (/docs) in headless Chromium (Debian's /usr/bin/chromium) with
// playwright-core: Swagger UI renders the document's title and operations from this origin
// alone; any console error (a Content-Security-Policy refusal included), failed request or
// off-site request fails the run. Prints a JSON summary.
//   node tests/browser/api_docs.mjs BASE_URL PACKAGE_JSON
import { createRequire } from "node:module";

const [baseUrl, packageJson] = process.argv.slice(2);
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
let summary = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(baseUrl) && !r.url().startsWith("data:")) problems.push(`off-site request: ${r.url()}`);
  });
  await page.goto(`${baseUrl}/docs`, { waitUntil: "networkidle" });
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 20000 });
  summary = {
    title: (await page.textContent(".swagger-ui .info .title")).trim(),
    operations: await page.locator(".opblock").count(),
  };
} catch (error) {
  problems.push(`failed: ${error.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ...summary, problems }));
