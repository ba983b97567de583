// The demo's Uppy page (uppy.html) in headless Chromium, through nginx, with radosgw as S3: the
// real @uppy/core, @uppy/dashboard and @uppy/aws-s3 from npm (pinned in demo/package.json,
// bundled by scripts/demo), with the responder as their Companion:
//
// * a small file (200 KiB) goes up as a POST form signed by the params route (GET /s3/params):
//   one POST to S3, no call to /s3/multipart and no PUT to S3;
// * a 12 MiB file goes up as an S3 multipart upload through the multipart route: create, at least
//   three part URLs, at least three part PUTs to S3 (5 MiB parts), a complete answered 200, no
//   POST form;
// * both objects in the bucket have the files' SHA-256 and type, under keys the server chose; no
//   multipart upload is left pending; the Dashboard shows both files complete;
// * the responder logged the calls and no error or sanitizer report.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  cleanResponderLog, emptyBucket, env, launchBrowser, listBucket, MiB, openUploads, sha256,
} from './lib.mjs';

const PAGE_URL = env('S3US_E2E_PAGE_URL');
const PAGE_ORIGIN = () => new URL(PAGE_URL).origin;
const S3_ORIGIN = () => new URL(env('S3US_E2E_BROWSER_ENDPOINT')).origin;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

describe('Uppy: the demo page through nginx', { timeout: 600000 }, () => {
  let browser;
  let context;
  let page;
  let problems;
  // Every request the page made, in order: {method, url, path, origin, status (null: failed)}.
  let requests;
  before(async () => {
    browser = await launchBrowser();
    await emptyBucket();
    context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    page = await context.newPage();
    problems = [];
    requests = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('requestfailed', (request) => {
      problems.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
    });
    page.on('response', (response) => {
      const url = new URL(response.url());
      requests.push({
        method: response.request().method(), url: url.href, path: url.pathname,
        origin: url.origin, status: response.status(),
      });
    });
    await page.goto(new URL('/uppy.html', PAGE_URL).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    await page.locator('.uppy-Dashboard').waitFor({ timeout: 15000 });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
  });

  // Chooses the file in the Dashboard's own file input (Uppy starts at once: autoProceed) and
  // waits for the page's record of its outcome; returns the requests made meanwhile too.
  async function upload(file, timeout = 180000) {
    const first = requests.length;
    const input = page.locator('input.uppy-Dashboard-input[type=file]:not([webkitdirectory])');
    // With files in the list, the Dashboard shows its inputs after "Add more".
    if (await input.count() === 0) await page.locator('.uppy-DashboardContent-addMore').click();
    await input.first().setInputFiles([file]);
    const entry = page.locator(`#log li[data-file-name="${file.name}"]`);
    await entry.waitFor({ timeout });
    const outcome = await entry.evaluate((li) => ({ ...li.dataset, text: li.textContent }));
    // The last answers (a complete's, say) may be recorded a moment after Uppy's event.
    await page.waitForTimeout(200);
    return { outcome, made: requests.slice(first) };
  }

  // The Dashboard's item of `name` shows it complete.
  async function dashboardComplete(name) {
    const item = page.locator('.uppy-Dashboard-Item').filter({
      has: page.locator(`.uppy-Dashboard-Item-name[title="${name}"]`),
    });
    await item.waitFor({ timeout: 15000 });
    await page.waitForFunction(
      (el) => el.classList.contains('is-complete'), await item.elementHandle(), { timeout: 15000 });
  }

  const s3Calls = (made, method) => made.filter((r) => r.origin === S3_ORIGIN() && r.method === method);
  const multipartCalls = (made) => made.filter(
    (r) => r.origin === PAGE_ORIGIN() && r.path.startsWith('/s3/multipart'));

  const small = {
    name: 'small-report.pdf', mimeType: 'application/pdf', buffer: randomBytes(200 * 1024),
  };
  const large = {
    name: 'large-scan.pdf', mimeType: 'application/pdf', buffer: randomBytes(12 * MiB),
  };

  test('a 200 KiB file: one POST form signed by /s3/params, no multipart upload', async () => {
    const { outcome, made } = await upload(small);
    assert.equal(outcome.result, 'success', JSON.stringify(outcome));
    assert.match(outcome.key, new RegExp(`^dropzone/${UUID}\\.pdf$`), 'a key the server chose');

    const params = made.filter((r) => r.origin === PAGE_ORIGIN() && r.path === '/s3/params');
    assert.equal(params.length, 1, `calls of /s3/params: ${JSON.stringify(params)}`);
    assert.equal(params[0].method, 'GET');
    assert.equal(params[0].status, 200);
    const query = new URL(params[0].url).searchParams;
    assert.equal(query.get('filename'), small.name);
    assert.equal(query.get('type'), small.mimeType);

    const posts = s3Calls(made, 'POST');
    assert.equal(posts.length, 1, `POSTs to S3: ${JSON.stringify(posts)}`);
    assert.ok([200, 201, 204].includes(posts[0].status), `S3 answered ${posts[0].status}`);
    assert.deepEqual(multipartCalls(made), [], 'no multipart call for a small file');
    assert.deepEqual(s3Calls(made, 'PUT'), [], 'no part PUT for a small file');

    const stored = (await listBucket()).find((o) => o.key === outcome.key);
    assert.ok(stored, `${outcome.key} is not in the bucket`);
    assert.equal(stored.size, small.buffer.length);
    assert.equal(stored.sha256, sha256(small.buffer), 'the stored object is the chosen file');
    assert.equal(stored.content_type, small.mimeType);
    await dashboardComplete(small.name);
  });

  test('a 12 MiB file: a multipart upload in at least three parts through /s3/multipart',
    async () => {
      const { outcome, made } = await upload(large);
      assert.equal(outcome.result, 'success', JSON.stringify(outcome));
      assert.equal(outcome.multipart, 'true');
      assert.match(outcome.key, new RegExp(`^dropzone/${UUID}\\.pdf$`), 'a key the server chose');

      const calls = multipartCalls(made);
      const create = calls.filter((r) => r.method === 'POST' && r.path === '/s3/multipart');
      assert.equal(create.length, 1, `creates: ${JSON.stringify(create)}`);
      assert.equal(create[0].status, 200);
      // GET /s3/multipart/<uploadId>/<n>?key=: one part URL each.
      const signs = calls.filter((r) => r.method === 'GET' && /^\/s3\/multipart\/[^/]+\/\d+$/.test(r.path));
      assert.ok(signs.length >= 3, `part URLs signed: ${signs.length}`);
      assert.ok(signs.every((r) => r.status === 200), JSON.stringify(signs));
      assert.ok(signs.every((r) => new URL(r.url).searchParams.get('key') === outcome.key),
        'every part URL asked for the key the create answered');
      const numbers = signs.map((r) => Number(r.path.split('/').pop())).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => i + 1));

      const puts = s3Calls(made, 'PUT');
      assert.ok(puts.length >= 3, `part PUTs to S3: ${JSON.stringify(puts)}`);
      assert.equal(puts.length, signs.length, 'one PUT per signed part URL');
      assert.ok(puts.every((r) => r.status === 200), JSON.stringify(puts));
      assert.ok(puts.every((r) => new URL(r.url).searchParams.has('uploadId')
        && new URL(r.url).searchParams.has('partNumber')), 'the PUTs are UploadPart requests');

      const complete = calls.filter(
        (r) => r.method === 'POST' && /^\/s3\/multipart\/[^/]+\/complete$/.test(r.path));
      assert.equal(complete.length, 1, `completes: ${JSON.stringify(complete)}`);
      assert.equal(complete[0].status, 200);
      // The same uploadId (the server's token) throughout.
      const uploadIds = new Set([...signs, ...complete].map((r) => r.path.split('/')[3]));
      assert.equal(uploadIds.size, 1, [...uploadIds].join(' '));
      assert.deepEqual(s3Calls(made, 'POST'), [], 'no POST form for a multipart upload');
      assert.deepEqual(made.filter((r) => r.path === '/s3/params'), [], 'no /s3/params call');

      const stored = (await listBucket()).find((o) => o.key === outcome.key);
      assert.ok(stored, `${outcome.key} is not in the bucket`);
      assert.equal(stored.size, large.buffer.length);
      assert.equal(stored.sha256, sha256(large.buffer), 'the stored object is the chosen file');
      assert.equal(stored.content_type, large.mimeType);
      assert.deepEqual(await openUploads(), [], 'no multipart upload left pending');
      await dashboardComplete(large.name);
    });

  test('the Dashboard shows both uploads complete; the bucket holds exactly the two files',
    async () => {
      await page.locator('.uppy-StatusBar.is-complete').waitFor({ timeout: 15000 });
      assert.match(await page.locator('.uppy-StatusBar').textContent(), /Complete/);
      assert.equal(await page.locator('.uppy-Dashboard-Item.is-complete').count(), 2);
      assert.equal(await page.locator('.uppy-Dashboard-Item.is-error').count(), 0);
      const objects = await listBucket();
      assert.deepEqual(objects.map((o) => o.sha256).sort(),
        [sha256(small.buffer), sha256(large.buffer)].sort());
      assert.deepEqual(problems, [], 'script errors or failed requests in the page');
    });

  test('the responder behind nginx: the calls logged, no error or sanitizer report', () => {
    const log = cleanResponderLog();
    for (const pattern of [/path=\/s3\/params status=200/, /path=\/s3\/multipart status=200/,
      /path=\/s3\/multipart\/\S+\/complete status=200/]) {
      assert.match(log, pattern);
    }
  });
});
