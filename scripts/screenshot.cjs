// node scripts/screenshot.cjs FILE.html SELECTOR OUT.png WIDTH HEIGHT
// A screenshot of one element of a local page ("body": the first screen
// only), in Debian's Chromium driven by playwright-core.
const { chromium } = require('/usr/local/lib/highport-node/node_modules/playwright-core');

(async () => {
  const [file, selector, out, width, height] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
    await page.goto('file://' + file);
    if (selector === 'body') {
      await page.screenshot({ path: out });
    } else {
      await (await page.$(selector)).screenshot({ path: out });
    }
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
