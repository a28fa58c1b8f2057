/**
 * Headless Chromium for tests and documentation screenshots: the system
 * browser (Debian package `chromium`) driven by playwright-core, which ships
 * no browser of its own. Offline by construction: no first-run, sync,
 * component updates or background networking.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.EVALFLOW_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch the system Chromium, or fail saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `headless Chromium not found at ${CHROMIUM_PATH}: install it with 'apt-get update && apt-get install -y chromium' ` +
        '(or point EVALFLOW_CHROMIUM at a Chromium binary)',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A URL for an http(s)/file URL or a local file path. */
export function toUrl(target: string): string {
  return /^(https?|file):\/\//.test(target) ? target : pathToFileURL(path.resolve(target)).href;
}

export interface ScreenshotOptions {
  width?: number;
  height?: number;
  /** Capture the whole page instead of the viewport. */
  fullPage?: boolean;
  /** Wait for this selector before capturing. */
  waitFor?: string;
  /** Run before capturing (e.g. open a tab, fill a search). */
  prepare?: (page: Page) => Promise<void>;
}

/** Capture a page (URL or local HTML file) as a PNG at outPng. Returns the PNG's size in bytes. */
export async function screenshot(target: string, outPng: string, opts: ScreenshotOptions = {}): Promise<number> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
    await page.goto(toUrl(target), { waitUntil: 'load' });
    if (opts.waitFor) await page.waitForSelector(opts.waitFor);
    if (opts.prepare) await opts.prepare(page);
    fs.mkdirSync(path.dirname(path.resolve(outPng)), { recursive: true });
    await page.screenshot({ path: outPng, type: 'png', fullPage: opts.fullPage ?? false });
    return fs.statSync(outPng).size;
  } finally {
    await browser.close();
  }
}
