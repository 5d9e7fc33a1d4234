// Unit tests of the report panel's pure modules, run inside headless Chromium (the panel's real engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundle, launch, ORIGIN, pageServing } from './chromium';
import type { SpecOutcome } from './browser/harness';

test('webview logic modules in Chromium', async (t) => {
  const browser = await launch();
  try {
    const script = await bundle('test/webview/browser/logic.spec.ts');
    const { page, errors } = await pageServing(browser, {
      '/': { contentType: 'text/html', body: '<!DOCTYPE html><html><body><script src="/spec.js"></script></body></html>' },
      '/spec.js': { contentType: 'text/javascript', body: script },
    });
    await page.goto(`${ORIGIN}/`);
    const outcomes = (await page.evaluate('runSpecs()')) as SpecOutcome[];
    assert.ok(outcomes.length >= 9, `expected the specs to run, got ${outcomes.length}`);
    for (const o of outcomes) {
      await t.test(o.name, () => {
        if (o.error) assert.fail(o.error);
      });
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
