// Opens an attune report in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from the build's npm folder) and checks that it draws:
//   node report_browser.mjs NPM_DIR REPORT.html SCREENSHOT.png REQUIRED_CHARTS [TEXTS]
// REQUIRED_CHARTS: comma-separated chart keys that must exist (a trailing * matches a prefix).
// TEXTS: '|'-separated texts the page must show (e.g. a note, a claim's id); "" for none.
// Fails (exit 1) on any console error, page error or request that leaves the file, on a chart
// whose canvas stays blank or has no data, and on a network drawing without nodes or pixels.
// Prints a JSON summary on success.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, reportPath, screenshot, requiredText, texts] = process.argv.slice(2);
if (!npmDir || !reportPath || !screenshot) {
  console.error('usage: node report_browser.mjs NPM_DIR REPORT.html SCREENSHOT.png CHARTS [NOTE]');
  process.exit(2);
}
const require = createRequire(resolve(npmDir, 'package.json'));
const { chromium } = require('playwright-core');

const problems = [];
const url = pathToFileURL(resolve(reportPath)).href;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
  headless: true,
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push('console error: ' + msg.text());
  });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('request', (req) => {
    const u = req.url();
    if (u !== url && !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith('about:')) {
      problems.push('the report requested ' + u + ' (it must work offline, as one file)');
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.attuneReport && window.attuneReport.ready,
    null, { timeout: 30000 });
  // Cytoscape draws on animation frames: give it a few.
  await page.waitForTimeout(800);

  const result = await page.evaluate(() => {
    // Pixels of a canvas that are neither transparent nor white.
    function inked(canvas) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 0 && !(px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245)) n++;
      }
      return n;
    }
    const r = window.attuneReport;
    const charts = {};
    for (const [key, chart] of Object.entries(r.charts)) {
      const values = chart.data.datasets.flatMap((d) => d.data)
        .filter((v) => v !== null && v !== undefined && !(typeof v === 'object' && v.y === null));
      charts[key] = { values: values.length, inked: inked(chart.canvas) };
    }
    const figures = [...document.querySelectorAll('figure[data-chart]')].map((f) => f.dataset.chart);
    let network = null;
    if (r.network) {
      const canvases = [...document.querySelectorAll('#network canvas')];
      network = { nodes: r.network.nodes, edges: r.network.edges,
        inked: canvases.reduce((s, c) => s + inked(c), 0) };
    }
    return { charts, figures, network, notes: r.notes, text: document.body.innerText, external:
      [...document.querySelectorAll('[src],[href]')].map((e) => e.getAttribute('src') || e.getAttribute('href'))
        .filter((u) => /^[a-z]+:/i.test(u) && !u.startsWith('data:')) };
  });

  for (const key of result.figures) {
    const c = result.charts[key];
    if (!c) problems.push('figure ' + key + ' has no chart');
    else if (c.values === 0) problems.push('chart ' + key + ' has no data');
    else if (c.inked < 500) problems.push('chart ' + key + ' drew almost nothing (' + c.inked + ' pixels)');
  }
  for (const want of (requiredText || '').split(',').filter(Boolean)) {
    const found = want.endsWith('*')
      ? result.figures.some((k) => k.startsWith(want.slice(0, -1)))
      : result.figures.includes(want);
    if (!found) problems.push('chart ' + want + ' is missing (charts: ' + result.figures.join(' ') + ')');
  }
  if (!result.network) problems.push('no network drawing');
  else if (result.network.nodes === 0) problems.push('the network drawing has no nodes');
  else if (result.network.inked < 500) problems.push('the network drawing drew almost nothing');
  for (const want of (texts || '').split('|').filter(Boolean)) {
    if (!result.text.includes(want)) problems.push('the page does not show "' + want + '"');
  }
  if (result.external.length) problems.push('external references: ' + result.external.join(' '));
  await page.screenshot({ path: screenshot, fullPage: true });
  if (problems.length === 0) {
    console.log(JSON.stringify({ charts: Object.keys(result.charts).length, network: result.network,
      notes: result.notes, screenshot }));
  }
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.error('FAIL: ' + p);
  process.exit(1);
}
