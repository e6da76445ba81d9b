// Issue 10: pages are written for people. Each demo role signs in and walks
// every page of its menu, and both organisations' case managers and the
// coordinator also four cases with their sub-pages and decision letters; the
// visible text of every page must hold no raw UUID, no ISO date or timestamp
// and no internal code (snake_case). Instructions on how to type a value
// (`small` hints tied to a field) are exempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login } from './helpers.mjs';

const FAULTS = [
  ['a raw id', /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i],
  ['an ISO date or timestamp', /\b\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?\b/],
  ['an internal code', /\b[a-z]+_[a-z]+(_[a-z]+)*\b/],
];

async function visibleText(page) {
  return page.evaluate(() => {
    const main = document.querySelector('main');
    if (!main) return '';
    const copy = main.cloneNode(true);
    copy.querySelectorAll('small[id$="-help"], script, style').forEach((e) => e.remove());
    return copy.innerText;
  });
}

for (const user of ['demo-responder', 'demo-cm-a', 'demo-coordinator', 'demo-cm-b', 'demo-analyst', 'demo-admin']) {
  test(`every page ${user} visits reads as words`, async () => {
    const browser = await launch();
    try {
      // The responder works on a phone; the others at a desk.
      const { page } = await login(browser, user, user === 'demo-responder' ? { viewport: { width: 390, height: 844 } } : {});
      const urls = [page.url(), ...await page.locator('nav a').evaluateAll((as) => as.map((a) => a.href))];
      // A few cases of the list (the demo's are at different stages), each
      // with its sub-pages; a receiving organisation's are referred ones.
      if (['demo-cm-a', 'demo-coordinator', 'demo-cm-b'].includes(user)) {
        const cases = [...new Set(await page.locator('table a[href^="/cases/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))].slice(0, 4);
        for (const c of cases) {
          for (const sub of ['', '/work', '/sharing', '/documents', '/justice', '/stays', '/audit']) urls.push(`${BASE}${c}${sub}`);
        }
      }
      const problems = [];
      const queue = [...new Set(urls)];
      for (let i = 0; i < queue.length; i += 1) {
        const url = queue[i];
        const r = await page.goto(url);
        if (!r || r.status() >= 400) continue;
        // A case's decision letters are read too (they are printed for the person).
        for (const href of await page.locator('a.letter-link').evaluateAll((as) => as.map((a) => a.href))) {
          if (!queue.includes(href)) queue.push(href);
        }
        const text = await visibleText(page);
        for (const [what, re] of FAULTS) {
          const m = text.match(re);
          if (m) problems.push(`${url.replace(BASE, '')}: ${what} «${m[0]}»`);
        }
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    } finally {
      await browser.close();
    }
  });
}
