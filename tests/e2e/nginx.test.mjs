// The demo page through nginx (scripts/demo --background), in headless Chromium, with radosgw as
// S3: for Signature V4 and V2 each, a simple upload with its thumbnail, a chunked upload, a delete
// from the page, and two files the server refuses; then the bucket must hold exactly the chosen
// files. At the end, the responder behind nginx must have survived it all.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  cleanResponderLog, emptyBucket, env, launchBrowser, MiB, openDemo, randomFile, scratchDir,
} from './lib.mjs';
import {
  assertBucketHolds, chunkedUpload, deleteFromUi, refusedUpload, simpleImageUpload,
} from './scenarios.mjs';

const PAGE_URL = env('S3US_E2E_PAGE_URL');
const SCREENSHOT = process.env.S3US_E2E_SCREENSHOT;

describe('the demo page through nginx', { timeout: 900000 }, () => {
  let browser;
  let scratch;
  before(async () => {
    browser = await launchBrowser();
    scratch = scratchDir();
  });
  after(async () => {
    await browser?.close();
    scratch?.remove();
  });

  for (const version of [4, 2]) {
    describe(`Signature V${version}`, () => {
      let session;
      const expected = new Map();  // what must be in the bucket at the end: key -> {sha256}
      before(async () => {
        await emptyBucket();
        session = await openDemo(browser, PAGE_URL, version);
      });
      after(async () => {
        await session?.context.close();
      });

      test('a small PNG: uploaded, confirmed by /s3/success, its thumbnail loaded from S3',
        async () => {
          await simpleImageUpload(session, { name: `photo-v${version}.png`, hue: version * 60 },
            expected);
        });

      test('an 11 MiB file: a chunked upload in 3 parts, confirmed', async () => {
        await chunkedUpload(session, scratch.dir,
          { name: `random-11MiB-v${version}.pdf`, size: 11 * MiB }, expected);
      });

      test('the Delete button: the object is gone from the bucket', async () => {
        await deleteFromUi(session, { name: `to-delete-v${version}.txt` });
      });

      test('a 21 MiB file (limit 20 MiB): refused, with a message on the page', async () => {
        const file = randomFile(scratch.dir, `too-big-21MiB-v${version}.pdf`, 21 * MiB);
        const { status, errors } = await refusedUpload(session, file);
        // The success call found the finished object too large and deleted it (HTTP 422).
        for (const text of [status, ...errors]) assert.match(text, /size|large|big|limit/i);
      });

      test('a Windows program (application/x-msdownload): refused, with a message', async () => {
        const { status, errors } = await refusedUpload(session, {
          name: `setup-v${version}.exe`,
          mimeType: 'application/x-msdownload',
          buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2046, 0x90)]),
        });
        // The responder refused to sign the policy: {"invalid": true}, which Fine Uploader shows
        // as this message.
        for (const text of [status, ...errors]) assert.match(text, /invalid policy/i);
      });

      if (version === 4 && SCREENSHOT) {
        test('screenshot of the page', async () => {
          mkdirSync(dirname(SCREENSHOT), { recursive: true });
          await session.page.evaluate(() => window.scrollTo(0, 0));
          await session.page.screenshot({ path: SCREENSHOT, fullPage: true });
          assert.ok(existsSync(SCREENSHOT));
        });
      }

      test('the bucket holds exactly the chosen files (SHA-256), nothing else', async () => {
        assert.equal(expected.size, 2, 'the PNG and the chunked file');
        await assertBucketHolds(expected);
        assert.deepEqual(session.problems, [], 'failed requests or script errors in the page');
      });
    });
  }

  test('the responder behind nginx survived: no error in its log, every request answered',
    () => {
      const log = cleanResponderLog();
      const requests = log.split('\n').filter((line) => /msg=request\b/.test(line));

      // nginx's log (format "demo" of demo/nginx.conf.in): every request to /s3/ but the blank
      // page went to the responder and got its answer.
      const access = readFileSync(env('S3US_E2E_NGINX_ACCESS_LOG'), 'utf8').split('\n')
        .filter((line) => / "[A-Z]+ \/s3\//.test(line) && !line.includes('/s3/blank.html'));
      assert.ok(access.length >= 30, `only ${access.length} requests to /s3/ in nginx's log`);
      const unanswered = access.filter((line) => {
        const m = / (\d{3}) \d+ upstream=(\S+) /.exec(line);
        return !m || ['499', '502', '504'].includes(m[1]) || !/^\d{3}$/.test(m[2]);
      });
      assert.deepEqual(unanswered, [], 'requests the responder did not answer');
      assert.ok(requests.length >= access.length,
        `the responder logged ${requests.length} requests, nginx passed ${access.length}`);
    });
});
