// The entry of the demo's Uppy bundle: scripts/demo builds it with esbuild (from npm, pinned in
// package.json) into one ES module, /uppy/uppy.min.js, and its styles, /uppy/uppy.min.css, for
// demo/www/uppy.html. Only what the page uses: Core, the Dashboard and the S3 uploader.
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

export { default as Uppy } from '@uppy/core';
export { default as Dashboard } from '@uppy/dashboard';
export { default as AwsS3 } from '@uppy/aws-s3';
