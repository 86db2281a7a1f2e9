// Pages for running nomyo-js's browser bundle inside Chromium from a test: a
// module that exposes the bundle and reports errors by class, and an init script
// that watches (and passes through) the WebCrypto calls the client makes.

/** Served at /harness.js: the bundle on window.nomyo, and capture(fn) → { value } | { error }. */
export const HARNESS_JS = `
import * as nomyo from '/nomyo.js';
window.nomyo = nomyo;
window.describeError = (error) => ({
  name: error?.name,
  code: error?.code,
  statusCode: error?.statusCode,
  message: error?.message,
  classes: Object.entries(nomyo)
    .filter(([, value]) => typeof value === 'function' && error instanceof value)
    .map(([name]) => name)
    .sort(),
});
window.capture = async (fn) => {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error: window.describeError(error) };
  }
};
document.documentElement.dataset.ready = 'true';
`;

export const HARNESS_HTML = '<!doctype html><meta charset="utf-8"><title>harness</title><script type="module" src="/harness.js"></script>';

export const HARNESS_PAGES = { '/harness.html': HARNESS_HTML, '/harness.js': HARNESS_JS };

/**
 * Records every crypto.subtle.generateKey and exportKey call, then lets it
 * through unchanged: what was asked for, and what the browser returned.
 */
export function watchWebCrypto() {
  const subtle = crypto.subtle;
  const generateKey = subtle.generateKey.bind(subtle);
  const exportKey = subtle.exportKey.bind(subtle);
  const log = { generated: [], exported: [] };
  window.__webCryptoLog = log;
  subtle.generateKey = async (algorithm, extractable, usages) => {
    const result = await generateKey(algorithm, extractable, usages);
    log.generated.push({
      name: algorithm?.name,
      modulusLength: algorithm?.modulusLength,
      requestedExtractable: extractable,
      privateKeyExtractable: result.privateKey?.extractable,
      privateKeyUsages: result.privateKey?.usages,
    });
    return result;
  };
  subtle.exportKey = async (format, key) => {
    log.exported.push({ format, type: key.type });
    return exportKey(format, key);
  };
}

/** Opens the harness page on a site and waits until the bundle is loaded. */
export async function openHarness(context, origin) {
  const page = await context.newPage();
  await page.goto(`${origin}/harness.html`);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}
