// What a person does on the demo page, and what must come of it; used by nginx.test.mjs and
// apache.test.mjs. Each function chooses files in the page of `session` (openDemo()), waits for
// Fine Uploader to finish and checks what the page shows and what S3 got. Files that must end up
// in the bucket are added to `expected` (key -> {name, sha256}).

import assert from 'node:assert/strict';

import {
  MiB, chooseFiles, env, fileItem, listBucket, makePng, openUploads, pageErrors, randomFile,
  sha256, waitForOutcome,
} from './lib.mjs';

const UUID_KEY = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]+$/;

// <session.keyPrefix><uuid>.<ext>
function keyPattern(session) {
  const prefix = (session.keyPrefix ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${prefix}${UUID_KEY.source}`);
}

function assertSucceeded(session, outcome, name) {
  assert.ok(outcome.success, `${name} did not succeed: ${JSON.stringify(outcome)}`);
  assert.match(outcome.key ?? '', keyPattern(session), `${name}: the key the page shows`);
  // The reply of /s3/success (key, size), as the page shows it.
  assert.match(outcome.result, /confirmed by the server/, `${name}: no confirmation shown`);
  assert.ok(outcome.result.includes(outcome.key), `${name}: the confirmation names no key`);
}

// S3 requests the page made for `key` (method, part number, status).
function s3Requests(session, key) {
  return session.responses
    .filter((r) => new URL(r.url).pathname === `/${key}`)
    .map((r) => ({ ...r, part: new URL(r.url).searchParams.get('partNumber') }));
}

// A small PNG, uploaded in one POST: the success call is confirmed, and the thumbnail is the
// presigned GET URL of the object that the success call returned, loaded from S3.
export async function simpleImageUpload(session, { name, hue }, expected) {
  const { page } = session;
  const png = makePng(160, 120, hue);
  await chooseFiles(page, [{ name, mimeType: 'image/png', buffer: png }]);
  const outcome = await waitForOutcome(page, name);
  assertSucceeded(session, outcome, name);
  assert.match(outcome.key, /\.png$/);
  // One form POST to the bucket (not a multipart upload).
  assert.equal(s3Requests(session, outcome.key).length, 0, 'no REST request for a small file');
  const endpoint = env('S3US_E2E_BROWSER_ENDPOINT');
  const thumbnail = fileItem(page, name).locator('img.qq-thumbnail-selector');
  await page.waitForFunction(
    ({ img, prefix }) => img.src.startsWith(prefix) && img.complete && img.naturalWidth > 0,
    { img: await thumbnail.elementHandle(), prefix: `${endpoint}/${outcome.key}?` },
    { timeout: 20000 });
  const size = await thumbnail.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [160, 120], 'the thumbnail is the uploaded image, served by S3');
  assert.ok(await thumbnail.isVisible(), 'the thumbnail is visible');
  expected.set(outcome.key, { name, sha256: sha256(png) });
  return outcome;
}

// A file of `size` bytes (above 5 MiB: a multipart upload in 5 MiB parts).
export async function chunkedUpload(session, dir, { name, size }, expected) {
  const { page } = session;
  const file = randomFile(dir, name, size);
  await chooseFiles(page, [file]);
  const outcome = await waitForOutcome(page, name, 240000);
  assertSucceeded(session, outcome, name);
  const requests = s3Requests(session, outcome.key);
  const parts = new Set(requests.filter((r) => r.method === 'PUT' && r.part && r.status === 200)
    .map((r) => r.part));
  const wantParts = Math.ceil(size / (5 * MiB));
  assert.ok(wantParts >= 3);
  assert.equal(parts.size, wantParts, `${name}: parts stored by S3 ${JSON.stringify(requests)}`);
  assert.ok(requests.some((r) => r.method === 'POST' && r.status === 200 && !r.part),
    `${name}: initiate and complete`);
  // The page's own account of it.
  const log = await page.locator('#log').textContent();
  assert.ok(log.includes(`${name}: part ${wantParts} of ${wantParts} stored`) ||
            log.includes(`of ${wantParts} stored`), 'the page logs the parts');
  expected.set(outcome.key, { name, sha256: file.sha256 });
  return outcome;
}

// Uploads a small text file, clicks its Delete button: the page removes it, the server answers
// the DELETE with 204 and the object is gone from the bucket.
export async function deleteFromUi(session, { name }) {
  const { page } = session;
  const body = Buffer.from(`a file to delete, ${name}, ${Date.now()}\n`);
  await chooseFiles(page, [{ name, mimeType: 'text/plain', buffer: body }]);
  const outcome = await waitForOutcome(page, name);
  assertSucceeded(session, outcome, name);
  let objects = await listBucket();
  assert.ok(objects.some((o) => o.key === outcome.key && o.sha256 === sha256(body)),
    `${name} is in the bucket before the delete`);

  const deleteButton = fileItem(page, name).locator('.qq-upload-delete-selector');
  await deleteButton.waitFor({ state: 'visible' });
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname.startsWith('/s3/delete/'),
    { timeout: 30000 });
  await deleteButton.click();
  const response = await answered;
  assert.equal(response.status(), 204, 'the delete endpoint answers 204');
  const url = new URL(response.url());
  assert.equal(url.searchParams.get('key'), outcome.key);
  await fileItem(page, name).waitFor({ state: 'detached', timeout: 20000 });
  assert.match(await page.locator('#log').textContent(), new RegExp(`${name}: deleted`));
  objects = await listBucket();
  assert.ok(!objects.some((o) => o.key === outcome.key), `${name} is still in the bucket`);
}

// A file the server refuses: the page marks it failed and shows a message, in the file's status
// text and in the list of errors. Returns the messages.
export async function refusedUpload(session, file, { timeout = 240000 } = {}) {
  const { page } = session;
  await chooseFiles(page, [file]);
  const outcome = await waitForOutcome(page, file.name, timeout);
  assert.ok(outcome.failed && !outcome.success, `${file.name} was not refused: ${JSON.stringify(outcome)}`);
  assert.ok(outcome.statusVisible && outcome.status.trim().length > 0,
    `${file.name}: no visible status text (${JSON.stringify(outcome)})`);
  const errors = await pageErrors(page, file.name);
  assert.ok(errors.length > 0, `${file.name}: nothing in the page's error list`);
  assert.ok(await page.locator('#errors').isVisible());
  return { status: outcome.status, errors };
}

// The bucket holds exactly the expected objects, byte for byte (SHA-256), and no unfinished
// multipart upload.
export async function assertBucketHolds(expected) {
  const objects = await listBucket();
  const got = Object.fromEntries(objects.map((o) => [o.key, o.sha256]));
  const want = Object.fromEntries([...expected].map(([key, v]) => [key, v.sha256]));
  assert.deepEqual(got, want, 'objects in the bucket (key -> SHA-256) vs the files chosen');
  assert.deepEqual(await openUploads(), [], 'unfinished multipart uploads');
}
