// The Dropzone demo page: one server-built upload per file (README, "Server-built uploads").
//
//   accept   GET /s3/params?filename=...&type=...&size=... for the file: the responder answers
//            {"method": "POST", "url", "fields", "key", ...} or refuses (4xx {"message"}), and
//            Dropzone shows that message;
//   url      the bucket's URL from that answer; params: its fields, in their order (Dropzone
//            appends the file after them, as S3 requires);
//   success  S3 answered 201 with the stored key, bucket and ETag: POST them to
//            /s3/params/success, which checks the object in S3 (size, type, ETag).
//
// Every file's <div> gets data-file-name, then data-key and data-result ("confirmed" or
// "failed", with data-error): what the end-to-end tests read. body[data-max-parallel] is the
// largest number of uploads Dropzone had going at once.
(function () {
  "use strict";

  var log = document.getElementById("log");
  var maxParallel = 0;

  function note(text) {
    var item = document.createElement("li");
    var time = document.createElement("time");
    time.textContent = new Date().toLocaleTimeString();
    item.appendChild(time);
    item.appendChild(document.createTextNode(" " + text));
    log.appendChild(item);
  }

  function mark(file, result, error) {
    var element = file.previewElement;
    if (!element) return;
    element.setAttribute("data-result", result);
    if (error) element.setAttribute("data-error", error);
  }

  function xmlText(xml, tag) {
    var node = xml && xml.getElementsByTagName(tag)[0];
    return node ? node.textContent : "";
  }

  function parseXml(text) {
    try {
      return new DOMParser().parseFromString(String(text || ""), "application/xml");
    } catch (e) {
      return null;
    }
  }

  // The message of whatever failed: the responder's JSON {"message"/"error"}, S3's XML
  // <Message>, or Dropzone's own text.
  function messageOf(message) {
    if (message && typeof message === "object") return message.message || message.error || "failed";
    var s3 = xmlText(parseXml(message), "Message");
    return s3 || String(message || "failed");
  }

  if (typeof Dropzone === "undefined") {
    note("The page could not load Dropzone (/dropzone/dropzone-min.js); is scripts/demo running?");
    return;
  }

  var dropzone = new Dropzone("#dropzone", {
    url: function (files) { return files[0].s3.url; },
    method: "post",
    paramName: "file",
    uploadMultiple: false,
    parallelUploads: 3,
    maxFilesize: null,      // the server decides
    timeout: 120000,
    defaultHeaders: false,  // no X-Requested-With: S3's CORS rule need not allow it
    dictDefaultMessage: "Drop files here, or click to choose them",
    // The signed fields, in the order the responder gave them; the file goes after them.
    params: function (files) { return files[0].s3.fields; },
    // Before Dropzone queues a file: its upload, built and signed by the responder.
    accept: function (file, done) {
      var query = new URLSearchParams({ filename: file.name, size: String(file.size) });
      if (file.type) query.set("type", file.type);
      fetch("/s3/params?" + query.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            done(answer.body.message || answer.body.error || "refused by the server");
          } else if (answer.body.method !== "POST") {
            done("the server built a " + answer.body.method + " upload; this page posts forms");
          } else {
            file.s3 = answer.body;
            if (file.previewElement) file.previewElement.setAttribute("data-key", answer.body.key);
            note(file.name + ": the server signed an upload as " + answer.body.key);
            done();
          }
        }, function (error) {
          done("the server could not be reached (" + error.message + ")");
        });
    },
  });

  dropzone.on("addedfile", function (file) {
    if (file.previewElement) file.previewElement.setAttribute("data-file-name", file.name);
    note("chose " + file.name);
  });

  dropzone.on("sending", function (file) {
    maxParallel = Math.max(maxParallel, dropzone.getUploadingFiles().length);
    document.body.setAttribute("data-max-parallel", String(maxParallel));
    note(file.name + ": uploading to S3 (" + dropzone.getUploadingFiles().length +
         " uploads going)");
  });

  dropzone.on("success", function (file, responseText) {
    var xml = parseXml(responseText);
    var form = new URLSearchParams({
      bucket: xmlText(xml, "Bucket"),
      key: xmlText(xml, "Key") || file.s3.key,
      etag: xmlText(xml, "ETag"),
      name: file.name,
    });
    note(file.name + ": stored by S3; asking the server to check it");
    fetch("/s3/params/success", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok || !answer.body.success) {
          var reason = answer.body.error || "not confirmed";
          mark(file, "failed", reason);
          note(file.name + ": refused by the server: " + reason);
          return;
        }
        mark(file, "confirmed");
        var details = file.previewElement && file.previewElement.querySelector(".dz-details");
        if (details) {
          var result = document.createElement("div");
          result.className = "demo-result";
          var link = document.createElement("a");
          link.textContent = answer.body.key;
          link.href = answer.body.url || "#";
          link.target = "_blank";
          link.rel = "noopener";
          result.appendChild(link);
          result.appendChild(document.createTextNode(", " + answer.body.size +
                                                     " bytes, confirmed by the server"));
          details.appendChild(result);
        }
        note(file.name + ": confirmed by /s3/params/success (" + answer.body.size + " bytes)");
      }, function (error) {
        mark(file, "failed", "the server could not be reached (" + error.message + ")");
      });
  });

  dropzone.on("error", function (file, message) {
    var reason = messageOf(message);
    mark(file, "failed", reason);
    note(file.name + ": failed: " + reason);
  });

  window.demoDropzone = dropzone;  // for the console and the end-to-end tests
  document.body.setAttribute("data-ready", "true");
})();
