// Throwaway: screenshots of the pages changed on h-pages.
import { launch, login, BASE } from './tests/helpers.mjs';
const out = '/tmp/shots';
const browser = await launch();
for (const width of [390, 1280]) {
  const vp = { viewport: { width, height: 900 } };
  const b = await login(browser, 'demo-cm-b', vp);
  await b.page.goto(`${BASE}/referrals`);
  await b.page.screenshot({ path: `${out}/b-referrals-${width}.png`, fullPage: true });
  // decline without reason
  const pending = b.page.locator('.referral[data-state="pending"]').first();
  if (await pending.count()) {
    await Promise.all([b.page.waitForLoadState('load'), pending.locator('button.decline').click()]);
    await b.page.screenshot({ path: `${out}/b-referrals-error-${width}.png`, fullPage: true });
  }
  await b.page.goto(`${BASE}/notifications`);
  await b.page.screenshot({ path: `${out}/b-notifications-${width}.png`, fullPage: true });
  const a = await login(browser, 'demo-cm-a', vp);
  await a.page.goto(`${BASE}/notifications`);
  await a.page.screenshot({ path: `${out}/a-notifications-${width}.png`, fullPage: true });
  await a.page.goto(`${BASE}/cases?sort=deadline`);
  await a.page.screenshot({ path: `${out}/a-cases-${width}.png`, fullPage: true });
  await a.page.goto(`${BASE}/cases?overdue=1&sort=reference`);
  await a.page.click('summary');
  await a.page.screenshot({ path: `${out}/a-cases-overdue-${width}.png`, fullPage: true });
  await a.page.goto(`${BASE}/cases?status=closed&form=sexual_exploitation`);
  await a.page.screenshot({ path: `${out}/a-cases-empty-${width}.png`, fullPage: true });
  await a.page.fill('#q', 'a');
  await Promise.all([a.page.waitForLoadState('load'), a.page.click('#search')]);
  console.log('search url', a.page.url());
  await a.page.screenshot({ path: `${out}/a-search-${width}.png`, fullPage: true });
  await a.page.goBack();
  console.log('after back', a.page.url());
  await a.context.close(); await b.context.close();
}
await browser.close();
