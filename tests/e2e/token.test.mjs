// Bearer tokens in the browser: the demo page behind nginx (the project's snippets, nothing in
// them about tokens) in front of a responder whose signature, success and delete routes take a
// JWT (scripts/e2e: the demo's configuration with `auth: app`, an HS256 authenticator, and keys
// under uploads/{user}/). The test plays the application: it mints a short-lived token for alice
// with node's crypto and puts it into the page (window.S3US_DEMO.token and keyPrefix
// "uploads/alice/"); demo.js hands it to Fine Uploader as "Authorization: Bearer <token>" in
// signature.customHeaders, uploadSuccess.customHeaders and deleteFile.customHeaders.
//
// With the token: a simple upload, a chunked one and a delete work, and the bucket holds exactly
// the chosen files (SHA-256) under alice's prefix. Without a token, or with an expired one,
// signing answers 401 and nothing reaches S3; a token narrowed to PNG files gets a text file
// refused. The responder's log must show alice's keys only for every request it served and the
// right rule for every refusal. Skipped when S3US_E2E_TOKEN_URL is not set.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  cleanResponderLog, emptyBucket, env, launchBrowser, makePng, MiB, openDemo, randomFile,
  scratchDir,
} from './lib.mjs';
import {
  assertBucketHolds, chunkedUpload, deleteFromUi, refusedUpload, simpleImageUpload,
} from './scenarios.mjs';

const PAGE_URL = process.env.S3US_E2E_TOKEN_URL;
const USER = 'alice';
const PREFIX = `uploads/${USER}/`;

// A compact JWS, HS256, as an application would mint it (RFC 7515, 7519).
function mint(claims, secret = env('S3US_E2E_JWT_SECRET')) {
  const part = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function tokenFor(sub, { issuedAgo = 0, lifetime = 600, ...claims } = {}) {
  const iat = Math.floor(Date.now() / 1000) - issuedAgo;
  return mint({ sub, aud: 'uploads', iat, exp: iat + lifetime, ...claims });
}

const pathOf = (r) => new URL(r.url).pathname;

// The statuses the page got from the responder's endpoint `path` (/s3/signature, ...).
function answers(session, path) {
  return session.responses.filter((r) => pathOf(r).startsWith(path)).map((r) => r.status);
}

// Requests the page sent to S3.
function s3Requests(session) {
  const endpoint = new URL(env('S3US_E2E_BROWSER_ENDPOINT')).origin;
  return session.responses.filter((r) => new URL(r.url).origin === endpoint);
}

// The responder's request lines (logfmt) as {status, user, key, refused, path}.
function responderRequests() {
  return readFileSync(env('S3US_E2E_TOKEN_RESPONDER_LOG'), 'utf8').split('\n')
    .filter((line) => /\bmsg=request\b/.test(line))
    .map((line) => ({
      line,
      path: /\bpath=(\S+)/.exec(line)?.[1],
      status: /\bstatus=(\d+)/.exec(line)?.[1],
      user: /\buser=(\S+)/.exec(line)?.[1],
      key: /\bkey=(\S+)/.exec(line)?.[1],
      refused: /\brefused=(\S+)/.exec(line)?.[1],
    }));
}

describe('bearer tokens: the demo page through nginx, routes with a JWT authenticator', {
  skip: PAGE_URL ? false : 'S3US_E2E_TOKEN_URL is not set',
  timeout: 600000,
}, () => {
  let browser;
  let scratch;
  const expected = new Map();  // key -> {sha256}: what must be in the bucket at the end
  before(async () => {
    browser = await launchBrowser();
    scratch = scratchDir();
    await emptyBucket();
  });
  after(async () => {
    await browser?.close();
    scratch?.remove();
  });

  describe('with a token for alice in signature/uploadSuccess/deleteFile.customHeaders', () => {
    let session;
    before(async () => {
      session = await openDemo(browser, PAGE_URL, 4,
        { settings: { token: tokenFor(USER), keyPrefix: PREFIX } });
    });
    after(async () => {
      await session?.context.close();
    });

    test('a small PNG: signed, uploaded under uploads/alice/, confirmed, its thumbnail shown',
      async () => {
        const outcome = await simpleImageUpload(session, { name: 'photo-token.png', hue: 140 },
          expected);
        assert.ok(outcome.key.startsWith(PREFIX), outcome.key);
      });

    test('an 11 MiB file: a chunked upload in 3 parts, each part signed with the token',
      async () => {
        await chunkedUpload(session, scratch.dir,
          { name: 'random-11MiB-token.pdf', size: 11 * MiB }, expected);
      });

    test('the Delete button: deleted with the token', async () => {
      await deleteFromUi(session, { name: 'to-delete-token.txt' });
    });

    test('every answer of the responder was a success', () => {
      for (const path of ['/s3/signature', '/s3/success', '/s3/delete/']) {
        const statuses = answers(session, path);
        assert.ok(statuses.length > 0, `no request to ${path}`);
        assert.deepEqual(statuses.filter((s) => s < 200 || s > 299), [], `${path}: ${statuses}`);
      }
      assert.deepEqual(session.problems, [], 'failed requests or script errors in the page');
    });
  });

  describe('without a valid token', () => {
    async function refusedAtSigning(settings, file) {
      const session = await openDemo(browser, PAGE_URL, 4, { settings });
      try {
        const { status, errors } = await refusedUpload(session, file);
        assert.deepEqual(answers(session, '/s3/signature'), [401], 'signing answered 401');
        for (const text of [status, ...errors]) assert.match(text, /authentication required/);
        assert.deepEqual(s3Requests(session), [], 'nothing went to S3');
        assert.deepEqual(answers(session, '/s3/success'), []);
      } finally {
        await session.context.close();
      }
    }

    test('no token: a PNG fails at signing with 401, nothing lands', async () => {
      await refusedAtSigning({ keyPrefix: PREFIX },
        { name: 'no-token.png', mimeType: 'image/png', buffer: makePng(80, 60, 30) });
    });

    test('no token: a chunked file fails at its first signature, no multipart upload starts',
      async () => {
        await refusedAtSigning({ keyPrefix: PREFIX },
          randomFile(scratch.dir, 'no-token-6MiB.pdf', 6 * MiB));
      });

    test('an expired token: 401 likewise', async () => {
      await refusedAtSigning(
        { token: tokenFor(USER, { issuedAgo: 900, lifetime: 600 }), keyPrefix: PREFIX },
        { name: 'expired-token.png', mimeType: 'image/png', buffer: makePng(80, 60, 90) });
    });

    test('a token narrowed to PNG files: a text file is refused when its policy is signed',
      async () => {
        const session = await openDemo(browser, PAGE_URL, 4, {
          settings: {
            token: tokenFor(USER, { s3u: { content_types: ['image/png'] } }),
            keyPrefix: PREFIX,
          },
        });
        try {
          const { status, errors } = await refusedUpload(session, {
            name: 'narrowed.txt', mimeType: 'text/plain', buffer: Buffer.from('not a PNG\n'),
          });
          for (const text of [status, ...errors]) assert.match(text, /invalid policy/i);
          assert.deepEqual(answers(session, '/s3/signature'), [500]);
          assert.deepEqual(s3Requests(session), [], 'nothing went to S3');
        } finally {
          await session.context.close();
        }
      });

    test('the bucket still holds exactly the files uploaded with the token (SHA-256)',
      async () => {
        assert.equal(expected.size, 2, 'the PNG and the chunked file');
        for (const key of expected.keys()) assert.ok(key.startsWith(PREFIX), key);
        await assertBucketHolds(expected);
      });
  });

  test('the token responder: alice\'s keys only, the rule on every refusal',
    () => {
      cleanResponderLog('S3US_E2E_TOKEN_RESPONDER');
      const lines = responderRequests().filter((r) => r.path !== '/health');
      const served = lines.filter((r) => r.status.startsWith('2'));
      assert.ok(served.length >= 10, `only ${served.length} requests served`);
      // The routes take nobody without a token; the log names the key (under the token's
      // subject's prefix) and, as the user, the subject (every signature), never anyone else.
      const notTheSubject = (r) => (r.path === '/s3/signature' ? r.user !== USER
        : Boolean(r.user) && r.user !== USER);
      assert.deepEqual(served.filter((r) => (r.key && !r.key.startsWith(PREFIX)) ||
                                            notTheSubject(r)).map((r) => r.line), [],
        'served for someone else than the token\'s subject');
      assert.ok(served.some((r) => r.key?.startsWith(PREFIX)), 'no key in the log lines');
      const refused = lines.filter((r) => !r.status.startsWith('2'))
        .map((r) => `${r.path} ${r.status} ${r.refused}`);
      assert.deepEqual(refused, [
        '/s3/signature 401 auth.token.missing',
        '/s3/signature 401 auth.token.missing',
        '/s3/signature 401 auth.token.invalid',
        '/s3/signature 500 policy.content-type.not-allowed',
      ]);
    });
});
