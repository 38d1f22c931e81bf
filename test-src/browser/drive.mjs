// Drives Debian's chromium (headless, through playwright-core) for the
// browser end-to-end test, one command per line on stdin, one JSON answer
// per line on stdout: {"ok": true, "value": ...} or {"ok": false, "error"}.
// The test (test-src/integration/test_browser.py) owns the daemon and the
// mount; this process owns only the browser, and ends it on EOF.
//
//   open URL            load a page in a new tab
//   files PATH...       set the page's one <input type=file>
//   fill SELECTOR TEXT  type TEXT (no spaces) into the field SELECTOR
//   click TEXT          click the button whose text is exactly TEXT
//   wait SELECTOR MS    wait until SELECTOR matches
//   text SELECTOR       the text of SELECTOR
//   count SELECTOR      how many elements match SELECTOR
//   close               close the tab
//   quit                close the browser and exit 0
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const LIFETIME_MS = 600_000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking'],
});
let page = null;

function log(text) {
  process.stderr.write(`drive: ${text}\n`);
}

function answer(ok, payload) {
  const msg = ok ? { ok, value: payload ?? null } : { ok, error: payload };
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function current() {
  if (!page) throw new Error('no page is open');
  return page;
}

const commands = {
  async open(url) {
    page = await browser.newPage();
    // What the page says in its console is part of the test's log.
    page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    const res = await page.goto(url);
    return res ? res.status() : null;
  },
  async files(...paths) {
    await current().locator('input[type=file]').setInputFiles(paths);
  },
  async fill(selector, text) {
    await current().locator(selector).fill(text);
  },
  async click(...words) {
    const name = words.join(' ');
    await current().getByRole('button', { name, exact: true }).click();
  },
  async wait(selector, ms) {
    await current().waitForSelector(selector, { timeout: Number(ms) });
  },
  async text(...words) {
    return current().locator(words.join(' ')).innerText();
  },
  async count(...words) {
    return current().locator(words.join(' ')).count();
  },
  async close() {
    await current().close();
    page = null;
  },
};

async function quit(code) {
  await browser.close().catch(() => {});
  process.exit(code);
}

setTimeout(() => {
  log(`still running after ${LIFETIME_MS} ms: quitting`);
  quit(1);
}, LIFETIME_MS).unref();

answer(true, 'ready');
for await (const line of createInterface({ input: process.stdin })) {
  const [name, ...args] = line.trim().split(/\s+/);
  if (name === 'quit') break;
  const command = commands[name];
  if (!command) {
    answer(false, `unknown command ${name}`);
    continue;
  }
  try {
    answer(true, await command(...args));
  } catch (e) {
    answer(false, e.message.split('\n')[0]);
  }
}
await quit(0);
