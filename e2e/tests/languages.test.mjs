// The six interface languages in the browser: the case list, a case and the screening render in
// each, with <html lang> set, and every script drawn by a font that has its glyphs (no tofu).
// Optional: SAFEPATH_E2E_SHOTS=<dir> keeps phone-width screenshots of Thai, Khmer and Burmese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { BASE, launch, login, openMenu } from './helpers.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const SHOTS = process.env.SAFEPATH_E2E_SHOTS;

/** A message of a language's catalogue, read from the .ftl file itself. */
function message(code, file, id) {
  const src = readFileSync(new URL(`../../crates/safepath-web/locales/${code}/${file}.ftl`, import.meta.url), 'utf8');
  const line = src.split('\n').find((l) => l.startsWith(`${id} =`));
  assert.ok(line, `${code}/${file}.ftl has ${id}`);
  return line.slice(id.length + 2).trim();
}

// Each language, the script its text is in (a Unicode range of base letters), and the word the
// platform font's family name must contain for that script.
const LANGUAGES = [
  { code: 'en', own: 'English' },
  { code: 'id', own: 'Bahasa Indonesia' },
  { code: 'th', own: 'ไทย', script: /[\u0E01-\u0E2E]/u, font: /Thai/i },
  { code: 'vi', own: 'Tiếng Việt', script: /[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơư]/u },
  { code: 'km', own: 'ខ្មែរ', script: /[\u1780-\u17A2]/u, font: /Khmer/i },
  { code: 'my', own: 'မြန်မာ', script: /[\u1000-\u102A]/u, font: /Myanmar|Burmese/i },
];

async function switchTo(page, code) {
  await openMenu(page);
  await page.selectOption('#lang-switch', code);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/settings/language"] button')]);
  await page.waitForFunction((c) => document.documentElement.lang === c, code);
}

/**
 * No tofu: (1) Chromium reports which platform fonts drew the text of each element that holds the
 * script, and one of them must be made for that script; (2) the letters measured in the page's
 * own font are not all as wide as a glyph the fonts do not have (U+0378 is unassigned).
 */
async function assertNoTofu(page, lang, where) {
  if (!lang.script) return;
  const found = await page.evaluate((src) => {
    const re = new RegExp(src, 'u');
    const marked = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !re.test(n.textContent) || !el.checkVisibility()) continue;
      if (marked.length < 6 && !el.hasAttribute('data-tofu-probe')) {
        el.setAttribute('data-tofu-probe', String(marked.length));
        marked.push(el.tagName);
      }
    }
    const letters = [...new Set([...document.body.innerText].filter((c) => re.test(c)))].slice(0, 40);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = getComputedStyle(document.body).font;
    const tofu = ctx.measureText('\u0378').width;
    const same = letters.filter((c) => Math.abs(ctx.measureText(c).width - tofu) < 0.01).length;
    return { marked: marked.length, letters: letters.length, same, font: ctx.font };
  }, lang.script.source);
  assert.ok(found.marked > 0 && found.letters > 0, `${lang.code} ${where}: text in the script is on the page`);
  assert.ok(found.same < found.letters, `${lang.code} ${where}: letters are not all missing glyphs in "${found.font}"`);
  if (!lang.font) return;
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '[data-tofu-probe]' });
    assert.ok(nodeIds.length > 0, `${lang.code} ${where}: probes found`);
    for (const nodeId of nodeIds) {
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      assert.ok(fonts.some((f) => lang.font.test(f.familyName) && f.glyphCount > 0),
        `${lang.code} ${where}: drawn with ${JSON.stringify(fonts.map((f) => f.familyName))}, none for the script`);
    }
  } finally {
    await cdp.detach();
  }
}

test('every page language renders the case list, a case and the screening without tofu', async () => {
  const browser = await launch();
  const cm = await login(browser, 'demo-cm-a', PHONE);
  const responder = await login(browser, 'demo-responder', PHONE);
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  try {
    // The switcher offers all six, each by its own name.
    const offered = await cm.page.$$eval('#lang-switch option', (os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(offered, LANGUAGES.map((l) => [l.code, l.own]));
    for (const lang of LANGUAGES) {
      // Case manager: the case list and the first case.
      const { page } = cm;
      await switchTo(page, lang.code);
      await page.goto(`${BASE}/cases`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang.code);
      assert.equal((await page.locator('h1').first().innerText()).trim(), message(lang.code, 'main', 'cases-title'));
      await assertNoTofu(page, lang, 'case list');
      // A deadline written out in Burmese pushed the list to 482 px.
      const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(listWidth <= 390, `${lang.code} case list fits the phone (${listWidth}px)`);
      await page.click('table a[href^="/cases/"]');
      await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang.code);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${lang.code} case page fits the phone (${width}px)`);
      await assertNoTofu(page, lang, 'case page');
      if (SHOTS && lang.font) await page.screenshot({ path: `${SHOTS}/case-${lang.code}.png`, fullPage: true });

      // First responder: the screening's first step, then its questions.
      const r = responder.page;
      await switchTo(r, lang.code);
      await r.goto(`${BASE}/screenings/new`);
      assert.equal((await r.locator('h1').first().innerText()).trim(), message(lang.code, 'main', 'screening-title'));
      await assertNoTofu(r, lang, 'screening');
      if (SHOTS && lang.font) await r.screenshot({ path: `${SHOTS}/screening-${lang.code}.png`, fullPage: true });
      await r.check('#consent');
      await r.selectOption('#language', lang.code === 'en' ? 'my' : lang.code);
      await r.check('input[name=place_kind][value=worksite]');
      await r.selectOption('#form', 'labour');
      await Promise.all([r.waitForLoadState('load'), r.click('#next')]);
      assert.equal(await r.evaluate(() => document.documentElement.lang), lang.code);
      assert.ok(await r.locator('input[name=act_established]').first().isVisible(), `${lang.code}: the questions are shown`);
      await assertNoTofu(r, lang, 'screening questions');
      if (SHOTS && lang.font) await r.screenshot({ path: `${SHOTS}/questions-${lang.code}.png`, fullPage: true });
    }
  } finally {
    // Leave the shared demo accounts in English for the other tests.
    for (const s of [cm, responder]) {
      await switchTo(s.page, 'en').catch(() => {});
      await s.context.close();
    }
    await browser.close();
  }
});

test('the sign-in page offers every language and sets <html lang>', async () => {
  const browser = await launch();
  try {
    const page = await (await browser.newContext()).newPage();
    for (const lang of LANGUAGES) {
      await page.goto(`${BASE}/login?lang=${lang.code}`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang.code);
      assert.equal((await page.locator('h1').first().innerText()).trim(), message(lang.code, 'main', 'login-title'));
      for (const other of LANGUAGES) {
        assert.ok(await page.locator(`a[href="/login?lang=${other.code}"]`, { hasText: other.own }).isVisible());
      }
      await assertNoTofu(page, lang, 'sign-in');
    }
  } finally {
    await browser.close();
  }
});
