// Shared helpers of the end-to-end tests: the browser, test files, the bucket, the page.
//
// Environment (scripts/e2e sets it from the demo's state.env):
//   S3US_E2E_PAGE_URL         the demo page through nginx, e.g. http://127.0.0.1:18080/
//   S3US_E2E_APACHE_URL       the same page through Apache with mod_fcgid (apache.test.mjs)
//   S3US_E2E_BUCKET           the demo's bucket (emptied before every run)
//   S3US_E2E_BROWSER_ENDPOINT where the page uploads to, e.g. http://demo-uploads.localhost:7580
//   S3US_E2E_RESPONDER_LOG, S3US_E2E_NGINX_ACCESS_LOG   logs checked at the end
//   S3US_E2E_APACHE_ERROR_LOG, S3US_E2E_APACHE_ACCESS_LOG
//   S3US_E2E_TOKEN_URL        the page behind the nginx whose responder takes bearer tokens
//   S3US_E2E_JWT_SECRET       that responder's HS256 secret (token.test.mjs mints with it)
//   S3US_E2E_TOKEN_RESPONDER_PID, S3US_E2E_TOKEN_RESPONDER_LOG
//   S3US_E2E_SCREENSHOT       where to save the screenshot of the page (PNG)
//   S3US_E2E_PYTHON           python3 with boto3 (default python3), for bucket.py
//   S3US_RGW_ENDPOINT, S3US_RGW_AK, S3US_RGW_SK   radosgw, path-style, for bucket.py
//   S3US_E2E_CHROMIUM         the browser (default /usr/bin/chromium)

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';

import { chromium } from 'playwright-core';

export const MiB = 1024 * 1024;

// What a sanitizer writes when it finds something (the responders are ASan/UBSan builds).
export const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer',
  'runtime error:', 'ERROR: ThreadSanitizer', 'WARNING: ThreadSanitizer'];

// The log of a responder that must still run, asserted free of level=error lines and sanitizer
// reports; returns its text for further checks. `which`: the environment's prefix, e.g.
// 'S3US_E2E_RESPONDER' (its _PID and _LOG).
export function cleanResponderLog(which = 'S3US_E2E_RESPONDER') {
  const pid = Number(env(`${which}_PID`));
  assert.doesNotThrow(() => process.kill(pid, 0), `the responder (pid ${pid}) is gone`);
  const log = readFileSync(env(`${which}_LOG`), 'utf8');
  const errors = log.split('\n').filter((line) => /\blevel=error\b/.test(line));
  assert.deepEqual(errors, [], 'level=error lines in the responder log');
  for (const marker of SANITIZER_MARKERS) {
    assert.ok(!log.includes(marker), `sanitizer report in the responder log: ${marker}`);
  }
  return log;
}
const HERE = new URL('.', import.meta.url).pathname;

export function env(name, fallback) {
  const value = process.env[name];
  if (value) return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`${name} is not set (run the end-to-end tests with scripts/e2e)`);
}

// ---- the browser ---------------------------------------------------------------------------

// Debian's Chromium as this machine runs it (never a browser download of Playwright's own).
// Playwright gives every launch a fresh, empty profile (user data dir).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: env('S3US_E2E_CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// The demo page with signature version `version`, and a record of every response it got.
// `settings` are added to the page's window.S3US_DEMO (as if /config.js had them): the demo.js
// options `token` and `keyPrefix`, which an application would put into its page.
export async function openDemo(browser, pageUrl, version, { settings } = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 780 } });
  if (settings) {
    await context.route((url) => url.pathname === '/config.js', async (route) => {
      const response = await route.fetch();
      const body = `${await response.text()}\nObject.assign(window.S3US_DEMO, ${JSON.stringify(settings)});\n`;
      await route.fulfill({ response, body });
    });
  }
  const page = await context.newPage();
  const responses = [];
  const problems = [];
  page.on('response', (response) => {
    const request = response.request();
    responses.push({ method: request.method(), url: response.url(), status: response.status() });
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText;
    // A placeholder image replaced by the real thumbnail before it loaded is no failure.
    if (error === 'net::ERR_ABORTED' && new URL(request.url()).pathname.startsWith('/fine-uploader/')) {
      return;
    }
    problems.push(`${request.method()} ${request.url()}: ${error}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const url = new URL(pageUrl);
  url.searchParams.set('signature', String(version));
  await page.goto(url.href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  return { context, page, responses, problems, keyPrefix: settings?.keyPrefix ?? '' };
}

// Chooses files in Fine Uploader's file input: {name, path} (large, from disk) or
// {name, mimeType, buffer} (small; the type exactly as given).
export async function chooseFiles(page, files) {
  const input = page.locator('.qq-upload-button input[type=file]');
  await input.setInputFiles(files.map((f) => (f.buffer ? f : f.path)));
}

// The <li> of one file, by its name.
export function fileItem(page, name) {
  return page.locator(`li.demo-file[data-file-name="${name}"]`);
}

// Waits until Fine Uploader has finished with the file (success or failure); returns what the
// page shows for it.
export async function waitForOutcome(page, name, timeout = 120000) {
  const item = page.locator(
    `li.demo-file[data-file-name="${name}"]:is(.qq-upload-success, .qq-upload-fail)`);
  await item.waitFor({ timeout });
  return item.evaluate((li) => ({
    success: li.classList.contains('qq-upload-success'),
    failed: li.classList.contains('qq-upload-fail'),
    key: li.getAttribute('data-key'),
    result: li.querySelector('.demo-result').textContent,
    status: li.querySelector('.qq-upload-status-text').textContent,
    statusVisible: !!li.querySelector('.qq-upload-status-text').offsetParent,
    error: li.getAttribute('data-error'),
  }));
}

// The messages of the page's error list (Fine Uploader's onError), for one file name.
export async function pageErrors(page, name) {
  return page.locator('#errors li').evaluateAll(
    (items, wanted) => items
      .filter((li) => li.querySelector('strong')?.textContent === wanted)
      .map((li) => li.querySelector('.demo-error-reason').textContent),
    name);
}

// ---- test files ----------------------------------------------------------------------------

export function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

// A small RGB PNG: a colour gradient with a few random pixels, so that every call gives a
// different file (and SHA-256).
export function makePng(width = 160, height = 120, hue = 0) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);  // filter byte 0, then RGB
    for (let x = 0; x < width; x++) {
      const stripe = Math.floor((x + y) / 20) % 2;
      row[1 + x * 3] = (hue + (x * 255) / width) % 256;
      row[2 + x * 3] = (y * 255) / height;
      row[3 + x * 3] = stripe ? 210 : 120;
    }
    rows.push(row);
  }
  const noise = randomBytes(8);
  for (let i = 0; i < 4; i++) rows[noise[i] % height][1 + (noise[i + 4] % width) * 3] = noise[i];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;  // bit depth
  header[9] = 2;  // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// A folder for the files a test chooses, removed at the end.
export function scratchDir() {
  const dir = mkdtempSync(join(tmpdir(), 's3us-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// Writes `size` random bytes to dir/name; returns {name, path, size, sha256}.
export function randomFile(dir, name, size) {
  const buffer = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, buffer);
  return { name, path, size, sha256: sha256(buffer) };
}

// ---- the bucket ----------------------------------------------------------------------------

const run = promisify(execFile);

async function bucketCommand(command) {
  const { stdout } = await run(env('S3US_E2E_PYTHON', 'python3'),
    [join(HERE, 'bucket.py'), command, env('S3US_E2E_BUCKET')],
    { maxBuffer: 16 * MiB, timeout: 120000 });
  return JSON.parse(stdout);
}

export const emptyBucket = () => bucketCommand('empty');
// [{key, size, sha256, content_type}]
export const listBucket = () => bucketCommand('list');
// Keys of unfinished multipart uploads.
export const openUploads = () => bucketCommand('uploads');
