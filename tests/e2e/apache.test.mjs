// The same demo page behind Apache 2.4, the responder spawned by mod_fcgid with the project's
// apache/s3-upload-signer-fcgid.conf (scripts/e2e brings it up): the Signature V4 chunked upload,
// and a simple upload, must work as they do behind nginx. Skipped when S3US_E2E_APACHE_URL is not
// set (scripts/e2e sets it when that file exists).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  emptyBucket, env, launchBrowser, MiB, openDemo, SANITIZER_MARKERS, scratchDir,
} from './lib.mjs';
import { assertBucketHolds, chunkedUpload, simpleImageUpload } from './scenarios.mjs';

const PAGE_URL = process.env.S3US_E2E_APACHE_URL;

describe('the demo page through Apache with mod_fcgid', {
  skip: PAGE_URL ? false : 'S3US_E2E_APACHE_URL is not set (no apache/s3-upload-signer-fcgid.conf)',
  timeout: 600000,
}, () => {
  let browser;
  let scratch;
  let session;
  const expected = new Map();
  before(async () => {
    browser = await launchBrowser();
    scratch = scratchDir();
    await emptyBucket();
    session = await openDemo(browser, PAGE_URL, 4);
  });
  after(async () => {
    await browser?.close();
    scratch?.remove();
  });

  test('Signature V4: an 11 MiB file, a chunked upload in 3 parts, confirmed', async () => {
    await chunkedUpload(session, scratch.dir, { name: 'random-11MiB-apache.pdf', size: 11 * MiB },
      expected);
  });

  test('Signature V4: a small PNG, confirmed, its thumbnail loaded from S3', async () => {
    await simpleImageUpload(session, { name: 'photo-apache.png', hue: 200 }, expected);
  });

  test('the bucket holds exactly the chosen files (SHA-256), nothing else', async () => {
    await assertBucketHolds(expected);
    assert.deepEqual(session.problems, [], 'failed requests or script errors in the page');
  });

  test('the responders under mod_fcgid: no error, no sanitizer report, every request answered',
    () => {
      const log = readFileSync(env('S3US_E2E_APACHE_ERROR_LOG'), 'utf8');
      const errors = log.split('\n').filter((line) => /\blevel=error\b/.test(line) ||
        /^\[[^\]]*\] \[[a-z_]+:(error|crit|alert|emerg)\]/.test(line));
      assert.deepEqual(errors, [], 'errors from the responder, mod_fcgid or Apache');
      for (const marker of SANITIZER_MARKERS) {
        assert.ok(!log.includes(marker), `sanitizer report in Apache's error log: ${marker}`);
      }
      const access = readFileSync(env('S3US_E2E_APACHE_ACCESS_LOG'), 'utf8').split('\n')
        .filter((line) => / "[A-Z]+ \/s3\//.test(line));
      assert.ok(access.length >= 7, `only ${access.length} requests to /s3/ in Apache's log`);
      const failed = access.filter((line) => !/" 2\d\d /.test(line));
      assert.deepEqual(failed, [], 'requests to /s3/ that did not succeed');
    });
});
