// Screenshots of every main page, for each demo role, in every language, at
// a phone's width (390 px) and a desktop's (1280 px), written to
// e2e/screenshots/<language>/<width>/<role>-<page>.png (ignored by git), so
// that anyone can look at the product without clicking through it.
//   SAFEPATH_E2E_URL=http://127.0.0.1:8080 node e2e/screenshots.mjs
import { mkdirSync } from 'node:fs';
import { BASE, launch, login, openMenu } from './tests/helpers.mjs';

const ROLES = ['demo-responder', 'demo-cm-a', 'demo-coordinator', 'demo-cm-b', 'demo-analyst', 'demo-admin'];
const LANGUAGES = ['en', 'id', 'th', 'vi', 'km', 'my'];
const WIDTHS = [[390, 844], [1280, 900]];
const OUT = new URL('./screenshots/', import.meta.url).pathname;

function slug(url) {
  const path = new URL(url).pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'case');
  return path.replace(/^\//, '').replace(/\//g, '-') || 'home';
}

const browser = await launch();
let shots = 0;
try {
  for (const lang of LANGUAGES) {
    for (const [width, height] of WIDTHS) {
      const dir = `${OUT}${lang}/${width}`;
      mkdirSync(dir, { recursive: true });
      for (const role of ROLES) {
        const { context, page } = await login(browser, role, { viewport: { width, height } });
        await openMenu(page);
        await page.selectOption('#lang-switch', lang);
        await Promise.all([page.waitForLoadState('load'), page.click('form[action="/settings/language"] button')]);
        const urls = [page.url(), ...await page.locator('nav a').evaluateAll((as) => as.map((a) => a.href))];
        const firstCase = await page.locator('table a[href^="/cases/"]').first().getAttribute('href').catch(() => null);
        if (firstCase && ['demo-cm-a', 'demo-coordinator'].includes(role)) {
          for (const sub of ['', '/work', '/sharing', '/documents', '/justice', '/stays', '/audit']) urls.push(`${BASE}${firstCase}${sub}`);
        }
        for (const url of [...new Set(urls)]) {
          const r = await page.goto(url);
          if (!r || r.status() >= 400) continue;
          await page.screenshot({ path: `${dir}/${role}-${slug(url)}.png`, fullPage: true });
          shots += 1;
        }
        // Leave the account in English for the next run and the tests.
        await openMenu(page);
        await page.selectOption('#lang-switch', 'en');
        await Promise.all([page.waitForLoadState('load'), page.click('form[action="/settings/language"] button')]);
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`${shots} screenshots in ${OUT}`);
