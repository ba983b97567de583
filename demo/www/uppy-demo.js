// The Uppy page (uppy.html): Core, the Dashboard (inline) and @uppy/aws-s3 in its Companion mode,
// with the responder as the Companion. @uppy/aws-s3 calls <companionEndpoint>/s3/params (the
// signed POST form of a small file) and /s3/multipart/... (create, part URLs, complete, abort)
// with plain fetch: the page must be on the same origin as those routes.
//
// For the end-to-end tests (tests/e2e/uppy.test.mjs) the page marks itself: body[data-ready]
// once Uppy is set up, and one <li data-file-name data-result data-key> in #log per finished file.

import { AwsS3, Dashboard, Uppy } from '/uppy/uppy.min.js';

const MiB = 1024 * 1024;

const uppy = new Uppy({ autoProceed: true })
  .use(Dashboard, {
    inline: true,
    target: '#uploader',
    height: 420,
    width: '100%',
    showProgressDetails: true,
    proudlyDisplayPoweredByUppy: false,
    note: 'Images, text and PDF files up to 20 MiB (the server decides)',
  })
  .use(AwsS3, {
    // Uppy appends /s3/params and /s3/multipart/... to this.
    companionEndpoint: window.location.origin,
    // Above 5 MiB: a multipart upload (Uppy's default is above 100 MiB), in parts of 5 MiB,
    // S3's smallest part; the profile's 20 MiB fit in max_parts parts.
    shouldUseMultipart: (file) => file.size > 5 * MiB,
    getChunkSize: () => 5 * MiB,
  });

const log = document.getElementById('log');

function entry(file, result, text, details = {}) {
  const li = document.createElement('li');
  li.dataset.fileName = file.name;
  li.dataset.result = result;
  for (const [name, value] of Object.entries(details)) {
    if (value != null) li.dataset[name] = String(value);
  }
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const strong = document.createElement('strong');
  strong.textContent = file.name;
  li.append(time, ' ', strong, ` (${file.size} bytes): ${text}`);
  log.append(li);
}

uppy.on('upload-success', (file, response) => {
  const key = response?.body?.key;
  const multipart = file.size > 5 * MiB;
  entry(file, 'success',
    `stored as ${key ?? '?'} (${multipart ? 'multipart upload' : 'POST form'})`,
    { key, location: response?.uploadURL, multipart });
});

uppy.on('upload-error', (file, error) => {
  entry(file, 'error', `failed: ${error?.message ?? error}`, { error: error?.message ?? error });
});

uppy.on('restriction-failed', (file, error) => {
  if (file) entry(file, 'refused', `not added: ${error.message}`, { error: error.message });
});

window.uppy = uppy;
document.body.dataset.ready = 'true';
