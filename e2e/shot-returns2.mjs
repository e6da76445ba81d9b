// The decision form filled and sent, in Burmese at 390 px, then the list (by hand, not a test).
import { launch, login, BASE } from './tests/helpers.mjs';
const CASE = process.argv[2];
const browser = await launch();
const { context, page } = await login(browser, 'demo-cm-a', { viewport: { width: 390, height: 900 } });
await page.goto(`${BASE}/cases/${CASE}/return`);
await page.locator('details:has(#decision) summary').click();
await page.selectOption('#decision-partner', { index: 1 });
await page.selectOption('#decision-language', 'my');
await page.check('#decision-interpreter');
await page.selectOption('#decision-agreement', { index: 1 });
await page.fill('#decision-route', 'By road through the Myawaddy crossing');
await Promise.all([page.waitForLoadState('load'), page.click('#record-decision')]);
console.log('after submit', new URL(page.url()).pathname + new URL(page.url()).search);
const msg = await page.locator('#message').textContent().catch(() => 'NO MESSAGE');
console.log('message:', msg);
const sec = page.locator('#return-list');
await sec.screenshot({ path: '/tmp/ret-list-en-390.png' });
// Burmese
await page.goto(`${BASE}/cases`);
await page.selectOption('select[name=lang]', 'my').catch((e) => console.log('lang', e.message));
await page.locator('form:has(select[name=lang]) button').click().catch((e) => console.log('apply', e.message));
await page.goto(`${BASE}/cases/${CASE}/return`);
await page.locator('#return-list').screenshot({ path: '/tmp/ret-list-my-390.png' });
console.log('width', await page.evaluate(() => document.documentElement.scrollWidth));
const status = await page.goto(`${BASE}/cases/${CASE}`);
await context.close();
await browser.close();
