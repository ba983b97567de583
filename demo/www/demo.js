// The demo page's Fine Uploader S3 set-up. window.S3US_DEMO comes from /config.js (written by
// scripts/demo): endpoint, bucket, host, region, accessKey (the public key id only) and the
// server's limits, for display. Two optional settings, which the demo itself leaves out (its
// routes have `auth: none`) and the end-to-end tests use:
//   token      a bearer token (JWT) the application minted for this page: sent as
//              "Authorization: Bearer <token>" with every request to the responder (signature,
//              upload success and delete), for routes with `auth: <authenticator>`;
//   keyPrefix  keys become <keyPrefix><uuid>.<ext>, for a profile whose key prefix has {user}
//              (e.g. "uploads/alice/" for a token whose "sub" is alice).
//
// ?signature=2 switches to Signature Version 2; the default is version 4.
(function () {
  "use strict";

  var MiB = 1024 * 1024;
  var config = window.S3US_DEMO;
  var errors = document.getElementById("errors");
  var log = document.getElementById("log");

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function note(text) {
    var item = el("li");
    item.appendChild(el("time", new Date().toLocaleTimeString()));
    item.appendChild(document.createTextNode(" " + text));
    log.appendChild(item);
  }

  // Every error Fine Uploader reports (onError), listed for people and for the tests.
  function addError(id, name, reason) {
    var item = el("li", null, "demo-error");
    if (id !== null && id !== undefined) item.setAttribute("data-file-id", String(id));
    if (name) {
      item.appendChild(el("strong", name));
      item.appendChild(document.createTextNode(": "));
    }
    item.appendChild(el("span", reason, "demo-error-reason"));
    errors.appendChild(item);
    document.getElementById("no-errors").hidden = true;
  }

  if (!config || typeof qq === "undefined" || !qq.s3) {
    addError(null, "page", "The page could not load " + (config ? "Fine Uploader" : "/config.js") +
             "; is scripts/demo running?");
    return;
  }

  var version = new URLSearchParams(window.location.search).get("signature") === "2" ? 2 : 4;
  document.getElementById("signature-v" + version).setAttribute("aria-current", "page");
  document.getElementById("s3-endpoint").textContent = config.endpoint;
  document.getElementById("s3-bucket").textContent = config.bucket;
  document.getElementById("rule-types").textContent = config.contentTypes.join(", ");
  document.getElementById("rule-size").textContent = config.maxSize;
  document.body.setAttribute("data-signature-version", String(version));

  function fileItem(id) {
    try {
      return uploader.getItemByFileId(id);
    } catch (e) {
      return null;
    }
  }

  function formatBytes(n) {
    return n >= MiB ? (n / MiB).toFixed(1) + " MiB" : n >= 1024 ? (n / 1024).toFixed(1) + " KiB"
                                                                : n + " bytes";
  }

  // The token goes into each of the three customHeaders options: Fine Uploader sends no header
  // of its own to the responder's endpoints.
  var authHeaders = config.token ? { Authorization: "Bearer " + config.token } : {};
  var keyPrefix = config.keyPrefix || "";

  var uploader = new qq.s3.FineUploader({
    element: document.getElementById("uploader"),
    template: "qq-template",
    request: {
      endpoint: config.endpoint,  // http://<bucket>.localhost:<port>: virtual-hosted, as v4 needs
      accessKey: config.accessKey,
    },
    objectProperties: {
      region: config.region,
      bucket: config.bucket,
      host: config.host,
      // <uuid>.<ext> (Fine Uploader's default, "uuid"), the shape the server's profile allows;
      // with a prefix, the same after it.
      key: keyPrefix ? function (id) {
        var extension = qq.getExtension(this.getName(id));
        return keyPrefix + this.getUuid(id) + (extension === undefined ? "" : "." + extension);
      } : "uuid",
    },
    signature: {
      endpoint: "/s3/signature",
      version: version,
      customHeaders: authHeaders,
    },
    uploadSuccess: {
      endpoint: "/s3/success",
      customHeaders: authHeaders,
    },
    deleteFile: {
      enabled: true,
      endpoint: "/s3/delete",
      method: "DELETE",
      customHeaders: authHeaders,
    },
    chunking: {
      enabled: true,
      partSize: 5 * MiB,  // S3's smallest part
      concurrent: { enabled: true },
    },
    retry: {
      enableAuto: false,
    },
    iframeSupport: {
      localBlankPagePath: "/s3/blank.html",  // Internet Explorer 9 and older only
    },
    // No validation: no size, type or extension limits here, so the server's refusals are what
    // the user sees.
    thumbnails: {
      placeholders: {
        waitingPath: "/fine-uploader/placeholders/waiting-generic.png",
        notAvailablePath: "/fine-uploader/placeholders/not_available-generic.png",
      },
    },
    failedUploadTextDisplay: {
      mode: "custom",  // the server's "error" text, not just "Upload failed"
      responseProperty: "error",
      enableTooltip: true,
    },
    showMessage: function (message) {
      addError(null, null, message);
    },
    callbacks: {
      onSubmitted: function (id, name) {
        var item = fileItem(id);
        if (item) item.setAttribute("data-file-name", name);
        note("chose " + name + " (" + formatBytes(this.getSize(id)) + ")");
      },
      onUpload: function (id, name) {
        var size = this.getSize(id);
        note("uploading " + name + " to S3" +
             (size > 5 * MiB ? " in " + Math.ceil(size / (5 * MiB)) + " parts of 5 MiB"
                             : " in one request"));
      },
      onUploadChunkSuccess: function (id, chunk) {
        note(this.getName(id) + ": part " + (chunk.partIndex + 1) + " of " + chunk.totalParts +
             " stored");
      },
      onComplete: function (id, name, response) {
        var item = fileItem(id);
        if (!response || !response.success) {
          if (item) item.setAttribute("data-result", "failed");
          note(name + ": refused");
          return;
        }
        var key = response.key || this.getKey(id);
        if (item) {
          item.setAttribute("data-result", "success");
          item.setAttribute("data-key", key);
          var result = item.querySelector(".demo-result");
          result.textContent = "";
          result.appendChild(document.createTextNode("stored as "));
          if (response.url) {
            var link = el("a", key);
            link.href = response.url;
            link.target = "_blank";
            link.rel = "noopener";
            result.appendChild(link);
          } else {
            result.appendChild(el("code", key));
          }
          if (typeof response.size === "number") {
            result.appendChild(document.createTextNode(", " + formatBytes(response.size) +
                                                       ", confirmed by the server"));
          }
        }
        note(name + ": upload confirmed by /s3/success");
      },
      onError: function (id, name, reason) {
        var item = id === null || id === undefined ? null : fileItem(id);
        if (item) item.setAttribute("data-error", reason);
        addError(id, name, reason);
      },
      onDeleteComplete: function (id, xhr, isError) {
        note(this.getName(id) + (isError ? ": delete failed (HTTP " + (xhr && xhr.status) + ")"
                                         : ": deleted from the bucket"));
      },
    },
  });

  window.demoUploader = uploader;  // for the console and the end-to-end tests
  document.body.setAttribute("data-ready", "true");
})();
