// Shared set-up for the browser tests: Debian's Chromium, never a downloaded browser.
import { chromium } from 'playwright-core';

export const BASE = process.env.SAFEPATH_E2E_URL ?? 'http://127.0.0.1:18080';
export const PASSWORD = 'safepath-demo';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
}

export async function login(browser, username, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.click('#login');
  // Each role lands on its own page (staff on the cases, analysts on the statistics).
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return { context, page };
}

export async function search(page, q) {
  await page.goto(`${BASE}/cases`);
  await page.fill('#q', q);
  await Promise.all([page.waitForLoadState('load'), page.click('#search')]);
}

/** A synthetic, unique name nobody has. */
export function syntheticName(prefix) {
  const letters = 'bcdfghjklmnprstvwz';
  let tail = '';
  for (let i = 0; i < 6; i++) tail += letters[Math.floor(Math.random() * letters.length)];
  return `${prefix} ${tail[0].toUpperCase()}${tail.slice(1)}ara`;
}

/** A bearer token for a demo account, through the JSON API. */
export async function apiToken(username) {
  const r = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login of ${username} answered ${r.status}`);
  return (await r.json()).token;
}

/** A JSON API call: its status and parsed body (null when not JSON). */
export async function apiCall(tok, method, path, body) {
  const r = await fetch(`${BASE}${path}`, {
    method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** On a phone the menu is folded away: open it (nothing to do on a desktop). */
export async function openMenu(page) {
  const button = page.locator('#menu-button');
  if (await button.isVisible()) await button.click();
}
