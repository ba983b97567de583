// The demo's server-built uploads (README, "Server-built uploads") in headless Chromium, through
// nginx, with radosgw as S3:
//
// * the form without JavaScript (a browser context with JavaScript disabled): form.html asks the
//   responder for an upload form (GET /s3/form, reply: html), the file is posted from that
//   server-written form straight to S3, S3 redirects to /s3/form/done (reply: html), which checks
//   the object; the page must name the stored key and size, and the object in the bucket must be
//   the chosen file (SHA-256). A file over the limit is refused by S3 itself (nothing stored, no
//   success page) and a type the profile does not allow gets no form at all;
// * Dropzone (dropzone.html): three files chosen at once, each with its own /s3/params answer,
//   uploaded to S3 three at a time (measured in the browser, with network latency added so that
//   "at once" cannot pass by accident) and confirmed by /s3/params/success; every object's
//   SHA-256 equals its file's. A program is refused by the responder with its message shown.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  cleanResponderLog, emptyBucket, env, launchBrowser, listBucket, makePng, MiB, openUploads,
  randomFile, scratchDir, sha256,
} from './lib.mjs';

const PAGE_URL = env('S3US_E2E_PAGE_URL');
const S3_ORIGIN = () => new URL(env('S3US_E2E_BROWSER_ENDPOINT')).origin;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

// Every response a page got: {method, url, status, headers}.
function recordResponses(page) {
  const responses = [];
  page.on('response', (response) => {
    responses.push({
      method: response.request().method(), url: response.url(), status: response.status(),
      headers: response.headers(),
    });
  });
  return responses;
}

async function bucketObject(key) {
  return (await listBucket()).find((o) => o.key === key);
}

describe('server-built uploads: the demo pages through nginx', { timeout: 600000 }, () => {
  let browser;
  let scratch;
  before(async () => {
    browser = await launchBrowser();
    scratch = scratchDir();
    await emptyBucket();
  });
  after(async () => {
    await browser?.close();
    scratch?.remove();
  });

  describe('the form without JavaScript', () => {
    let context;
    let page;
    let responses;
    before(async () => {
      context = await browser.newContext({ javaScriptEnabled: false });
      page = await context.newPage();
      responses = recordResponses(page);
    });
    after(async () => {
      await context?.close();
    });

    // form.html -> choose the type -> the responder's form page; returns its hidden fields.
    async function openForm(type) {
      await page.goto(new URL('/form.html', PAGE_URL).href);
      assert.equal(await page.locator('script').count(), 0, 'form.html has no script');
      await page.selectOption('#type', type);
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/s3/form');
      await page.click('#choose-type button[type=submit]');
      const response = await answered;
      await page.waitForLoadState('load');
      return response;
    }

    async function hiddenFields() {
      return page.locator('form input[type=hidden]').evaluateAll(
        (inputs) => inputs.map((input) => [input.name, input.value]));
    }

    test('a text file: uploaded from the server-written form, ends on our success page',
      async () => {
        const response = await openForm('text/plain');
        assert.equal(response.status(), 200);
        const headers = response.headers();
        assert.match(headers['content-type'], /^text\/html; charset=utf-8$/);
        assert.equal(headers['cache-control'], 'no-store');
        const csp = headers['content-security-policy'];
        assert.match(csp, /default-src 'none'/);
        assert.doesNotMatch(csp, /script-src/, 'no script allowed');
        assert.ok(csp.includes(`form-action ${S3_ORIGIN()}`), csp);

        assert.equal(await page.title(), 'Upload a file');
        const form = page.locator('form[method=post]');
        assert.equal(await form.getAttribute('action'), `${S3_ORIGIN()}/`);
        assert.equal(await form.getAttribute('enctype'), 'multipart/form-data');
        const fields = await hiddenFields();
        assert.deepEqual(fields.map(([name]) => name), [
          'key', 'Content-Type', 'success_action_redirect', 'x-amz-algorithm',
          'x-amz-credential', 'x-amz-date', 'policy', 'x-amz-signature']);
        const values = Object.fromEntries(fields);
        assert.match(values.key, new RegExp(`^form/${UUID}\\.txt$`));
        assert.equal(values['Content-Type'], 'text/plain');
        assert.equal(values.success_action_redirect, new URL('/s3/form/done', PAGE_URL).href);
        assert.equal(await page.locator('#key').textContent(), values.key);
        // The file input comes after every field: S3 ignores fields after the file.
        assert.equal(await page.locator('form input').last().getAttribute('type'), 'file');

        const body = Buffer.from(`a plain form upload, no JavaScript, ${Date.now()}\n`.repeat(40));
        await page.setInputFiles('input[type=file]', {
          name: 'notes.txt', mimeType: 'text/plain', buffer: body,
        });
        const done = page.waitForResponse(
          (r) => new URL(r.url()).pathname === '/s3/form/done', { timeout: 60000 });
        await page.click('form[method=post] button[type=submit]');
        const success = await done;
        await page.waitForLoadState('load');

        // S3 answered the form with a redirect to our success page, which checked the object.
        const posted = responses.find((r) => r.method === 'POST' && r.url.startsWith(S3_ORIGIN()));
        assert.equal(posted?.status, 303, `S3's answer to the form: ${JSON.stringify(posted)}`);
        assert.equal(success.status(), 200);
        const successUrl = new URL(page.url());
        assert.equal(successUrl.origin + successUrl.pathname, new URL('/s3/form/done', PAGE_URL).href);
        assert.equal(successUrl.searchParams.get('key'), values.key);
        assert.equal(await page.title(), 'Upload complete');
        assert.equal(await page.locator('#key').textContent(), values.key);
        assert.equal(await page.locator('#size').textContent(), String(body.length));
        assert.equal(await page.locator('#content-type').textContent(), 'text/plain');
        assert.ok((await page.locator('#link').getAttribute('href'))
          .startsWith(`${S3_ORIGIN()}/${values.key}?`), 'a link to the object');

        const stored = await bucketObject(values.key);
        assert.ok(stored, `${values.key} is not in the bucket`);
        assert.equal(stored.sha256, sha256(body), 'the stored object is the chosen file');
        assert.equal(stored.content_type, 'text/plain');
      });

    test('a PNG: the success page shows it, served by S3', async () => {
      await openForm('image/png');
      const values = Object.fromEntries(await hiddenFields());
      assert.match(values.key, new RegExp(`^form/${UUID}\\.png$`));
      const png = makePng(120, 90, 200);
      await page.setInputFiles('input[type=file]', {
        name: 'picture.png', mimeType: 'image/png', buffer: png,
      });
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/s3/form/done', { timeout: 60000 }),
        page.click('form[method=post] button[type=submit]'),
      ]);
      assert.equal(await page.title(), 'Upload complete');
      const preview = page.locator('img#preview');
      const src = await preview.getAttribute('src');
      assert.ok(src.startsWith(`${S3_ORIGIN()}/${values.key}?`), src);
      // The preview's bytes, as the page loaded them from S3.
      const image = responses.find((r) => r.method === 'GET' && r.url === src);
      assert.equal(image?.status, 200, 'the preview was loaded from S3');
      const stored = await bucketObject(values.key);
      assert.equal(stored?.sha256, sha256(png));
      assert.equal(stored.content_type, 'image/png');
    });

    test('a file over the limit: refused by S3 itself, nothing stored, no success page',
      async () => {
        const before = new Set((await listBucket()).map((o) => o.key));
        await openForm('application/pdf');
        const values = Object.fromEntries(await hiddenFields());
        const file = randomFile(scratch.dir, 'too-big-21MiB.pdf', 21 * MiB);
        await page.setInputFiles('input[type=file]', file.path);
        const answered = page.waitForResponse(
          (r) => r.request().method() === 'POST' && r.url().startsWith(S3_ORIGIN()),
          { timeout: 120000 });
        await page.click('form[method=post] button[type=submit]');
        const refused = await answered;
        await page.waitForLoadState('load');
        assert.equal(refused.status(), 400);
        assert.match(await page.content(), /EntityTooLarge/);
        assert.notEqual(new URL(page.url()).pathname, '/s3/form/done');
        assert.ok(!responses.some((r) => r.url.includes(encodeURIComponent(values.key))),
          'no success call for the refused file');
        const after = (await listBucket()).map((o) => o.key);
        assert.deepEqual(after.filter((key) => !before.has(key)), [], 'nothing new in the bucket');
      });

    test('a type the profile does not allow: no form, the reason instead', async () => {
      const response = await openForm('application/x-msdownload');
      assert.equal(response.status(), 403);
      assert.equal(await page.title(), 'This upload cannot be prepared');
      assert.match(await page.locator('#message').textContent(), /not allowed/);
      assert.equal(await page.locator('input').count(), 0, 'nothing to upload with');
    });

    test('the success page refuses what it cannot verify', async () => {
      const done = new URL('/s3/form/done', PAGE_URL);
      done.searchParams.set('bucket', env('S3US_E2E_BUCKET'));
      done.searchParams.set('key', 'form/00000000-0000-4000-8000-000000000000.txt');
      const missing = await page.goto(done.href);
      assert.equal(missing.status(), 404);
      assert.equal(await page.title(), 'The upload was not accepted');
      done.searchParams.set('key', 'dropzone/00000000-0000-4000-8000-000000000000.txt');
      const elsewhere = await page.goto(done.href);
      assert.equal(elsewhere.status(), 403);
    });
  });

  describe('Dropzone', () => {
    let context;
    let page;
    let problems;
    before(async () => {
      context = await browser.newContext({ viewport: { width: 1000, height: 780 } });
      page = await context.newPage();
      problems = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await page.goto(new URL('/dropzone.html', PAGE_URL).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    });
    after(async () => {
      await context?.close();
    });

    // The result Dropzone's preview shows for `name` once it is settled.
    async function outcome(name, timeout = 120000) {
      const item = page.locator(`.dz-preview[data-file-name="${name}"][data-result]`);
      await item.waitFor({ timeout });
      return item.evaluate((div) => ({
        result: div.getAttribute('data-result'),
        key: div.getAttribute('data-key'),
        error: div.getAttribute('data-error'),
        text: div.textContent,
      }));
    }

    test('three files at once: each with its own params, uploaded in parallel, confirmed',
      async () => {
        // Every request takes at least 400 ms more: uploads that overlap did so because Dropzone
        // ran them at once, not because they happened to be quick.
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false, latency: 400, downloadThroughput: -1, uploadThroughput: -1,
        });
        const uploads = [];
        page.on('request', (request) => {
          if (request.method() === 'POST' && request.url().startsWith(S3_ORIGIN())) {
            uploads.push({ request, start: Date.now(), end: null });
          }
        });
        const finished = (request) => {
          const upload = uploads.find((u) => u.request === request);
          if (upload) upload.end = Date.now();
        };
        page.on('requestfinished', finished);
        page.on('requestfailed', finished);

        const files = [
          { name: 'report.pdf', mimeType: 'application/pdf', buffer: randomBytes(3 * MiB) },
          { name: 'notes.txt', mimeType: 'text/plain',
            buffer: Buffer.from(`dropzone notes ${Date.now()}\n`.repeat(5000)) },
          { name: 'photo.png', mimeType: 'image/png', buffer: makePng(200, 150, 90) },
        ];
        await page.locator('input.dz-hidden-input').setInputFiles(files);

        const results = [];
        for (const file of files) results.push(await outcome(file.name));
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
        });
        for (const [i, result] of results.entries()) {
          assert.equal(result.result, 'confirmed', `${files[i].name}: ${JSON.stringify(result)}`);
          assert.match(result.key, new RegExp(`^dropzone/${UUID}\\.${files[i].name.split('.')[1]}$`));
          assert.match(result.text, /confirmed by the server/);
        }
        assert.equal(new Set(results.map((r) => r.key)).size, 3, 'a key of its own for each file');

        // Parallel: all three uploads were in flight together (the browser's own account), and
        // Dropzone counted three going at once.
        assert.equal(uploads.length, 3, `POSTs to S3: ${uploads.length}`);
        assert.ok(uploads.every((u) => u.end !== null));
        const lastStart = Math.max(...uploads.map((u) => u.start));
        const firstEnd = Math.min(...uploads.map((u) => u.end));
        assert.ok(lastStart < firstEnd,
          `the uploads did not overlap: ${JSON.stringify(uploads.map(({ start, end }) => ({ start, end })))}`);
        assert.equal(await page.getAttribute('body', 'data-max-parallel'), '3');

        // The bucket holds exactly these three files, byte for byte.
        const objects = Object.fromEntries((await listBucket())
          .filter((o) => o.key.startsWith('dropzone/')).map((o) => [o.key, o]));
        assert.deepEqual(Object.keys(objects).sort(), results.map((r) => r.key).sort());
        for (const [i, result] of results.entries()) {
          assert.equal(objects[result.key].sha256, sha256(files[i].buffer),
            `${files[i].name}: the stored object is the chosen file`);
          assert.equal(objects[result.key].content_type, files[i].mimeType);
        }
        assert.deepEqual(await openUploads(), []);
      });

    test('a program: refused by the responder before any upload, its reason shown', async () => {
      const before = (await listBucket()).length;
      await page.locator('input.dz-hidden-input').setInputFiles([{
        name: 'setup.exe', mimeType: 'application/x-msdownload',
        buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2046, 0x90)]),
      }]);
      const result = await outcome('setup.exe', 30000);
      assert.equal(result.result, 'failed');
      assert.match(result.error, /not allowed/);
      assert.match(await page.locator('.dz-preview[data-file-name="setup.exe"] .dz-error-message')
        .textContent(), /not allowed/);
      assert.equal((await listBucket()).length, before, 'nothing stored');
      assert.deepEqual(problems, [], 'script errors in the page');
    });
  });

  test('the responder behind nginx: no error or sanitizer report in its log', () => {
    const log = cleanResponderLog();
    // Each page of the server-built uploads was served by the responder, refusals included.
    for (const pattern of [/path=\/s3\/form status=200 .*signed=params-post/,
      /path=\/s3\/form\/done status=200/, /path=\/s3\/form status=403 .*refused=params\./,
      /path=\/s3\/params status=200/, /path=\/s3\/params\/success status=200/]) {
      assert.match(log, pattern);
    }
  });
});
