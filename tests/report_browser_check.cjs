// Opens a highport HTML report in headless Debian Chromium (driven by
// playwright-core) and checks what a reader would: it renders without console
// or page errors, loads nothing but itself, shows the map with its server
// nodes and the tables, sorts the problematic-flow table on a header click,
// filters it as one types, follows the dark theme (system and toggle), hides
// its controls in print; and saves full-page screenshots, light and dark.
//
// usage: node report_browser_check.cjs REPORT.html SCREENSHOT_PREFIX [--fixture]
// --fixture: the report of report_browser_test.sh's own network, whose
// flows it knows exactly. Prints "ok ..." / "FAIL ..." lines, then a count;
// exits 1 on any failure.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const modules = process.env.HIGHPORT_NODE_MODULES || '/usr/local/lib/highport-node/node_modules';
const { chromium } = require(path.join(modules, 'playwright-core'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

const [reportPath, shotPrefix, mode] = process.argv.slice(2);
const fixture = mode === '--fixture';
const fileUrl = pathToFileURL(path.resolve(reportPath)).href;
let passed = 0, failed = 0;
function check(ok, what, detail) {
  if (ok) { passed++; console.log('ok ' + what); }
  else { failed++; console.log('FAIL ' + what + (detail !== undefined ? ': ' + JSON.stringify(detail) : '')); }
}

// A PNG's width and height from its IHDR chunk.
function pngSize(file) {
  const b = fs.readFileSync(file);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 24 || !b.subarray(0, 8).equals(signature)) return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
}

async function openReport(browser, colorScheme) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('request', (r) => requests.push(r.url()));
  // Anything but the report itself is refused (and counted above).
  await context.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
  await page.goto(fileUrl, { waitUntil: 'load' });
  return { context, page, problems, requests };
}

function connectionsOf(page) {
  return page.$$eval('#problematic-flows tbody tr', (rows) =>
    rows.filter((r) => !r.hidden).map((r) => Number(r.cells[4].getAttribute('data-value'))));
}

function background(page) {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

// Sorting (by Connections, and in the fixture by client address) and filtering
// of the problematic-flow table, as a reader clicks and types.
async function sortAndFilter(page, rows) {
  // Sorting by Connections: ascending, then descending.
  const before = await connectionsOf(page);
  await page.click('#problematic-flows thead th:nth-child(5)');
  const ascending = await connectionsOf(page);
  const sortedUp = [...before].sort((a, b) => a - b);
  check(JSON.stringify(ascending) === JSON.stringify(sortedUp), 'header click sorts ascending', { before, ascending });
  check((await page.getAttribute('#problematic-flows thead th:nth-child(5)', 'aria-sort')) === 'ascending', 'aria-sort says so');
  await page.click('#problematic-flows thead th:nth-child(5)');
  const descending = await connectionsOf(page);
  check(JSON.stringify(descending) === JSON.stringify([...sortedUp].reverse()), 'second click sorts descending', descending);
  if (fixture) {
    check(JSON.stringify(before) === JSON.stringify([3, 1, 5, 2]), 'fixture: rows in the flow table\'s order', before);
    check(JSON.stringify(ascending) === JSON.stringify([1, 2, 3, 5]), 'fixture: ascending is 1 2 3 5', ascending);
    // Sorting by client address sorts by bytes, not text.
    await page.click('#problematic-flows thead th:nth-child(1)');
    const clients = await page.$$eval('#problematic-flows tbody tr td:first-child', (c) => c.map((x) => x.textContent));
    check(JSON.stringify(clients) === JSON.stringify(['10.9.1.9', '10.9.1.22', '10.9.2.7', '10.9.2.8']),
      'fixture: clients sort as addresses', clients);
  }

  // Filtering: type a client's block; the other rows hide.
  const firstClient = await page.textContent('#problematic-flows tbody tr:first-child td:first-child');
  const typed = fixture ? '10.9.2.' : firstClient.trim();
  await page.fill('#problematic-filter', typed);
  const visible = await page.$$eval('#problematic-flows tbody tr', (r) => r.filter((x) => !x.hidden).map((x) => x.textContent));
  check(visible.length >= 1 && visible.every((t) => t.includes(typed)), 'filter keeps the matching rows', { typed, visible: visible.length });
  const hidden = await page.$$eval('#problematic-flows tbody tr', (r) => r.filter((x) => x.hidden).map((x) => x.textContent));
  check(hidden.every((t) => !t.includes(typed)), 'filter hides the rows that do not match', hidden.length);
  if (fixture) check(visible.length === 2 && hidden.length === 2, 'fixture: 2 of 4 rows for 10.9.2.', { visible: visible.length, hidden: hidden.length });
  await page.fill('#problematic-filter', 'no-such-host-anywhere');
  check((await connectionsOf(page)).length === 0, 'a filter matching nothing hides every row');
  await page.fill('#problematic-filter', '');
  check((await connectionsOf(page)).length === rows, 'clearing the filter shows every row again');
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const light = await openReport(browser, 'light');
    const page = light.page;

    // Loaded and quiet.
    check(light.requests.length >= 1 && light.requests.every((u) => u === fileUrl),
      'no request but the report itself', light.requests.filter((u) => u !== fileUrl));
    check(!light.requests.some((u) => /^https?:/.test(u)), 'no http or https request');
    check((await page.title()) === 'highport report', 'title');

    // The map and its servers.
    const serverNodes = await page.$$eval('#map svg g.node.server', (nodes) => nodes.map((n) => n.textContent));
    const clusters = await page.locator('#map svg g.cluster.server').count();
    check(serverNodes.length >= 1 && clusters === serverNodes.length, 'map with server nodes', { serverNodes, clusters });
    const mapBox = await page.locator('#map svg').boundingBox();
    check(mapBox && mapBox.width > 300 && mapBox.height > 50, 'map is drawn at a readable size', mapBox);
    check((await page.locator('.card').count()) === serverNodes.length || !fixture, 'a card per server');

    // The tables: as many rows as the summary counts (the problematic-flow
    // table lists at most 2000).
    const tile = async (label) => {
      const text = await page.$$eval('#summary .tile', (tiles, l) => {
        const t = tiles.find((x) => x.querySelector('dt').textContent === l);
        return t ? t.querySelector('dd').textContent : null;
      }, label);
      return text === null ? NaN : parseInt(text, 10);
    };
    check((await page.locator('#summary dl.tiles .tile').count()) >= 8, 'summary tiles');
    const problematic = await tile('Problematic flows');
    const rows = await page.locator('#problematic-flows tbody tr').count();
    check(rows === Math.min(problematic, 2000), 'problematic-flow table has the summary\'s rows', { rows, problematic });
    const ruleCount = await tile('Firewall rules');
    const ruleRows = await page.locator('#firewall-rules tbody tr').count();
    check(ruleRows === Math.min(ruleCount, 2000), 'firewall rules table has the summary\'s rows', { ruleRows, ruleCount });
    if (fixture) check(rows === 4 && ruleCount >= 1, 'fixture: 4 problematic flows and some rules', { rows, ruleCount });

    if (rows > 0) {
      await sortAndFilter(page, rows);
    } else {
      console.log('skip sorting and filtering: no problematic flow in this report');
    }

    // Hostile names stay text.
    if (fixture) {
      check((await page.locator('img').count()) === 0, 'fixture: no <img> made from a host name');
      check((await page.evaluate(() => document.scripts.length)) === 1, 'fixture: the report\'s own script only');
      const heading = await page.textContent('.card h3');
      check(heading === 'srv<img src=x onerror=alert(1)>', 'fixture: the hostile host name shown as text', heading);
      const listeners = await page.textContent('.card');
      check(listeners.includes('<script>evil</script>.exe'), 'fixture: the hostile process name shown as text');
      check(serverNodes.some((t) => t.includes('srv<img src=x onerror=alert(1)>')), 'fixture: and in the map', serverNodes);
    }

    // Theme: light by default, the toggle switches to dark and back.
    const lightBackground = await background(page);
    check(lightBackground === 'rgb(246, 247, 249)', 'light background', lightBackground);
    await page.click('#theme-toggle');
    check((await background(page)) === 'rgb(18, 22, 27)', 'toggle: dark background', await background(page));
    check((await page.textContent('#theme-toggle')) === 'Light theme', 'toggle offers the light theme');
    await page.click('#theme-toggle');
    check((await background(page)) === lightBackground, 'toggle again: light background');

    // Print: no controls, light colours.
    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => ({
      toggle: getComputedStyle(document.getElementById('theme-toggle')).display,
      filter: ((f) => (f ? getComputedStyle(f).display : 'none'))(document.getElementById('problematic-filter')),
      nav: getComputedStyle(document.querySelector('nav.toc')).display,
      card: getComputedStyle(document.querySelector('.card')).breakInside,
    }));
    check(printed.toggle === 'none' && printed.filter === 'none' && printed.nav === 'none', 'print hides the controls', printed);
    check(printed.card === 'avoid', 'print keeps cards whole', printed.card);
    await page.emulateMedia({ media: 'screen' });

    const lightShot = shotPrefix + '-light.png';
    await page.screenshot({ path: lightShot, fullPage: true });
    check(light.problems.length === 0, 'no console errors or page errors (light)', light.problems);
    await light.context.close();

    // The system's dark preference.
    const dark = await openReport(browser, 'dark');
    const darkBackground = await background(dark.page);
    check(darkBackground === 'rgb(18, 22, 27)', 'prefers-color-scheme: dark applies', darkBackground);
    const mapText = await dark.page.$eval('#map svg g.node text', (t) => getComputedStyle(t).fill);
    check(mapText !== 'rgb(0, 0, 0)', 'the map\'s text follows the dark theme', mapText);
    await dark.page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    check((await background(dark.page)) === 'rgb(255, 255, 255)', 'print is light even in the dark theme', await background(dark.page));
    await dark.page.emulateMedia({ media: 'screen', colorScheme: 'dark' });
    const darkShot = shotPrefix + '-dark.png';
    await dark.page.screenshot({ path: darkShot, fullPage: true });
    check(dark.problems.length === 0, 'no console errors or page errors (dark)', dark.problems);
    check(dark.requests.every((u) => u === fileUrl), 'no request but the report itself (dark)');
    await dark.context.close();

    for (const shot of [lightShot, darkShot]) {
      const size = pngSize(shot);
      check(size && size.width >= 1000 && size.height >= 900 && size.bytes > 30000, 'screenshot ' + shot, size);
      console.log('screenshot: ' + path.resolve(shot));
    }
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.log('FAIL ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
