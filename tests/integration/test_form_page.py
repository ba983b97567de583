"""The upload form without JavaScript (routes with `reply: html`) against a real S3 (radosgw).

Through the built responder over real FastCGI, then radosgw, as a browser without script does it:

* GET /s3/form?type=... answers a small HTML5 page (text/html, no-store, a Content-Security-Policy
  that allows no script) with one form: the signed fields as hidden inputs, in order, then the
  file input; the form posted to radosgw with a file stores it under the templated key and radosgw
  redirects (303, success_action_redirect) to /s3/form/done?bucket&key&etag;
* GET /s3/form/done with that query checks the object exactly as the JSON success does and
  answers a page naming the key and size; the object is the file (SHA-256);
* refusals stay refusals: a file over the size range is refused by radosgw itself (nothing
  stored); an object that breaks the rules is deleted and the page answers 422; another user's
  key, another bucket or a missing object get 403/404 pages; a type the profile does not allow
  gets a 403 page and no form.
"""

import hashlib
import html.parser
import re
import unittest
import urllib.parse

import requests

import harness

BUCKET = "form-page-uploads"
MAX_SIZE = 2000
REDIRECT = "https://app.example.com/s3/form/done"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

RGW = None
CLIENT = None
SESSION = None
RESPONDER = None
_created = set()


def config():
    routes = [
        {"path": "/s3/form", "methods": ["GET"], "handler": "params", "profile": "test",
         "reply": "html"},
        {"path": "/s3/form/done", "methods": ["GET"], "handler": "success", "profile": "test",
         "reply": "html"},
        {"path": "/health", "methods": ["GET"], "handler": "health"},
    ]
    return harness.profile_yaml(
        bucket=BUCKET, endpoint=f"http://localhost:{RGW.port}",
        key={"prefix": "uploads/{user}/", "shapes": ["uuid.ext"],
             "extensions": ["txt", "png", "jpg", "pdf"]},
        size={"min": 1, "max": MAX_SIZE},
        content_types=["image/*", "text/plain", "application/pdf"],
        server_credentials="server",
        success={"presigned_get": "10m", "thumbnail": "presigned"},
        params={"key": "uploads/{user}/{uuid}{ext}", "success_action_redirect": [REDIRECT]},
        routes=routes)


def setUpModule():
    global RGW, CLIENT, SESSION, RESPONDER
    RGW, CLIENT = harness.rgw_with_bucket(BUCKET)
    SESSION = requests.Session()
    RESPONDER = harness.Responder(config(), secret=RGW.secret_key)


def tearDownModule():
    try:
        harness.remove_objects(CLIENT, BUCKET, _created)
    finally:
        if SESSION is not None:
            SESSION.close()
        if RESPONDER is not None:
            RESPONDER.stop()


class Page(html.parser.HTMLParser):
    """What a browser would see of our pages: forms with their inputs, elements by id, text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.forms = []  # {"method", "action", "enctype", "inputs": [(type, name, value)]}
        self.by_id = {}  # id -> text content
        self.attrs_by_id = {}
        self.title = ""
        self.tags = []
        self._open = []  # ids (or None) of the open elements, for text
        self._in_title = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "form":
            self.forms.append({"method": attrs.get("method"), "action": attrs.get("action"),
                               "enctype": attrs.get("enctype"), "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append((attrs.get("type"), attrs.get("name"),
                                             attrs.get("value")))
        elif tag == "title":
            self._in_title = True
        if "id" in attrs:
            self.by_id[attrs["id"]] = ""
            self.attrs_by_id[attrs["id"]] = attrs
        if tag not in ("input", "meta", "img", "br"):
            self._open.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag not in ("input", "meta", "img", "br") and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        for element_id in self._open:
            if element_id is not None:
                self.by_id[element_id] += data


def form_page(type_="text/plain", user="alice", **query):
    query = dict(query)
    if type_ is not None:
        query["type"] = type_
    return RESPONDER.request("GET", "/s3/form", query=urllib.parse.urlencode(query),
                             remote_user=user)


def done_page(query, user="alice"):
    return RESPONDER.request("GET", "/s3/form/done", query=query, remote_user=user)


def to_rgw(url):
    parts = urllib.parse.urlsplit(url)
    local = urllib.parse.urlunsplit(("http", f"127.0.0.1:{RGW.port}", parts.path, parts.query, ""))
    return local, {"Host": parts.netloc}


def submit(form, data, file_name="file.bin", file_type="application/octet-stream"):
    """The browser's multipart POST of the page's form: its inputs in order, the file in place."""
    parts = []
    for input_type, name, value in form["inputs"]:
        if input_type == "file":
            parts.append((name, (file_name, data, file_type)))
        else:
            parts.append((name, (None, value)))
    url, headers = to_rgw(form["action"])
    return SESSION.post(url, headers=headers, files=parts, timeout=60, allow_redirects=False)


def the_form(resp):
    test = unittest.TestCase()
    test.assertEqual(resp.status, 200, resp.text)
    page = Page(resp.text)
    test.assertEqual(len(page.forms), 1)
    form = page.forms[0]
    key = dict((name, value) for _, name, value in form["inputs"])["key"]
    _created.add(key)
    return page, form, key


def head(key):
    return harness.head_object(CLIENT, BUCKET, key)


class FormPageTest(unittest.TestCase):

    def assert_html_headers(self, resp):
        self.assertEqual(resp.headers.get("content-type"), "text/html; charset=utf-8")
        self.assertEqual(resp.headers.get("cache-control"), "no-store")
        csp = resp.headers.get("content-security-policy", "")
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("script", csp)
        self.assertNotIn(b"<script", resp.body)
        self.assertTrue(resp.body.startswith(b"<!DOCTYPE html>\n<html lang=\"en\">"), resp.body)

    def test_form_upload_redirect_and_success_page(self):
        resp = form_page("text/plain")
        self.assert_html_headers(resp)
        csp = resp.headers["content-security-policy"]
        self.assertIn(f"form-action http://{BUCKET}.localhost:{RGW.port} https://app.example.com",
                      csp)
        page, form, key = the_form(resp)
        self.assertEqual(page.title, "Upload a file")
        self.assertEqual(form["method"], "post")
        self.assertEqual(form["enctype"], "multipart/form-data")
        self.assertEqual(form["action"], f"http://{BUCKET}.localhost:{RGW.port}/")
        names = [name for _, name, _ in form["inputs"]]
        self.assertEqual(names, ["key", "Content-Type", "success_action_redirect",
                                 "x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy",
                                 "x-amz-signature", "file"])
        self.assertTrue(all(t == "hidden" for t, _, _ in form["inputs"][:-1]))
        self.assertEqual(form["inputs"][-1][0], "file")
        fields = {name: value for _, name, value in form["inputs"]}
        self.assertRegex(key, rf"^uploads/alice/{UUID}\.txt$")
        self.assertEqual(fields["Content-Type"], "text/plain")
        self.assertEqual(fields["success_action_redirect"], REDIRECT)
        self.assertEqual(page.by_id["key"], key)

        data = b"a form upload without JavaScript\n" * 20
        resp = submit(form, data, "notes.txt", "text/plain")
        self.assertEqual(resp.status_code, 303, resp.text)
        location = resp.headers["Location"]
        self.assertTrue(location.startswith(REDIRECT + "?"), location)
        query = urllib.parse.urlsplit(location).query
        self.assertEqual(urllib.parse.parse_qs(query)["key"], [key])
        stored = head(key)
        self.assertEqual(stored["ContentLength"], len(data))
        self.assertEqual(stored["ContentType"], "text/plain")
        self.assertEqual(stored.get("Metadata"), {})  # no name: the form had none to send
        body = CLIENT.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(data).hexdigest())

        # The page radosgw sent the browser to: the object checked, the key and size named.
        start = len(RESPONDER.log_text())
        resp = done_page(query)
        self.assert_html_headers(resp)
        self.assertEqual(resp.status, 200, resp.text)
        page = Page(resp.text)
        self.assertEqual(page.title, "Upload complete")
        self.assertEqual(page.by_id["key"], key)
        self.assertEqual(page.by_id["size"], str(len(data)))
        self.assertEqual(page.by_id["content-type"], "text/plain")
        link = page.attrs_by_id["link"]["href"]
        self.assertTrue(link.startswith(f"http://{BUCKET}.localhost:{RGW.port}/{key}?"), link)
        url, headers = to_rgw(link)
        self.assertEqual(SESSION.get(url, headers=headers, timeout=30).content, data)
        self.assertNotIn("preview", page.by_id)  # not an image
        RESPONDER.wait_for_log(rf"path=/s3/form/done status=200 .*key={re.escape(key)} "
                               rf"size={len(data)}", start=start)

    def test_png_gets_a_preview(self):
        page, form, key = the_form(form_page("image/png"))
        self.assertRegex(key, rf"^uploads/alice/{UUID}\.png$")
        resp = submit(form, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "p.png", "image/png")
        self.assertEqual(resp.status_code, 303, resp.text)
        resp = done_page(urllib.parse.urlsplit(resp.headers["Location"]).query)
        self.assertEqual(resp.status, 200, resp.text)
        page = Page(resp.text)
        src = page.attrs_by_id["preview"]["src"]
        self.assertTrue(src.startswith(f"http://{BUCKET}.localhost:{RGW.port}/{key}?"), src)
        self.assertIn(f"img-src http://{BUCKET}.localhost:{RGW.port};",
                      resp.headers["content-security-policy"])

    def test_file_over_the_limit_is_refused_by_radosgw(self):
        _, form, key = the_form(form_page("application/pdf"))
        resp = submit(form, b"%PDF" + b"x" * MAX_SIZE, "big.pdf", "application/pdf")
        self.assertEqual(resp.status_code, 400, resp.text)
        self.assertIn(b"EntityTooLarge", resp.content)
        self.assertNotIn("Location", resp.headers)
        self.assertIsNone(head(key))
        # Were the browser sent to the success page anyway, there is nothing to confirm.
        resp = done_page(urllib.parse.urlencode({"bucket": BUCKET, "key": key, "etag": '"x"'}))
        self.assertEqual(resp.status, 404, resp.text)
        self.assertEqual(Page(resp.text).title, "The upload was not accepted")
        # The same form with a file in range is accepted: the refusal was the size.
        self.assertEqual(submit(form, b"%PDF-1.4\n", "ok.pdf", "application/pdf").status_code, 303)

    def test_an_object_breaking_the_rules_is_deleted_and_refused(self):
        _, form, key = the_form(form_page("text/plain"))
        # Stored behind the policy's back (the server key): larger than the profile allows.
        CLIENT.put_object(Bucket=BUCKET, Key=key, Body=b"y" * (MAX_SIZE + 1),
                          ContentType="text/plain")
        start = len(RESPONDER.log_text())
        resp = done_page(urllib.parse.urlencode({"bucket": BUCKET, "key": key}))
        self.assertEqual(resp.status, 422, resp.text)
        page = Page(resp.text)
        self.assertEqual(page.title, "The upload was not accepted")
        self.assertIn("too large", page.by_id["message"])
        self.assertNotIn("key", page.by_id)
        self.assertIsNone(head(key), "the object was deleted")
        RESPONDER.wait_for_log(r"path=/s3/form/done status=422 .*refused=success\.size "
                               r".*deleted=true", start=start)

    def test_other_users_buckets_and_etags_are_refused(self):
        _, form, key = the_form(form_page("text/plain"))
        resp = submit(form, b"mine\n", "mine.txt", "text/plain")
        self.assertEqual(resp.status_code, 303, resp.text)
        query = urllib.parse.urlsplit(resp.headers["Location"]).query
        for user, q, status in [
                ("bob", query, 403),
                ("alice", query.replace(BUCKET, "other-bucket"), 403),
                ("alice", query + "&key=x", 400)]:
            with self.subTest(user=user, query=q[-40:]):
                resp = done_page(q, user=user)
                self.assertEqual(resp.status, status, resp.text)
                self.assertEqual(resp.headers.get("content-type"), "text/html; charset=utf-8")
                self.assertNotIn("key", Page(resp.text).by_id)
        # Nobody authenticated: the route's auth answers first (JSON, as on every route).
        self.assertEqual(done_page(query, user="").status, 401)
        self.assertIsNotNone(head(key), "refusals delete nothing")
        # Another ETag than the stored object's: refused; a link deletes nothing for that (the
        # object keeps the rules, and any site can make a browser follow a link).
        bad = urllib.parse.urlencode({"bucket": BUCKET, "key": key, "etag": '"0123"'})
        self.assertEqual(done_page(bad).status, 422)
        self.assertIsNotNone(head(key))
        self.assertEqual(done_page(query).status, 200)

    def test_refused_types_get_a_page_without_a_form(self):
        for type_, status, rule in [("text/html", 403, "params.content-type.not-allowed"),
                                    (None, 403, "params.content-type.unknown"),
                                    ("image/gif", 403, "params.extension"),
                                    ("<b>x</b>", 400, "params.content-type.syntax")]:
            with self.subTest(type_):
                start = len(RESPONDER.log_text())
                resp = form_page(type_)
                self.assertEqual(resp.status, status, resp.text)
                self.assert_html_headers(resp)
                page = Page(resp.text)
                self.assertEqual(page.forms, [])
                self.assertEqual(page.title, "This upload cannot be prepared")
                self.assertNotIn(b"<b>", resp.body)
                RESPONDER.wait_for_log(rf"path=/s3/form status={status} .*refused={re.escape(rule)}",
                                       start=start)

    def test_anonymous_callers_are_refused(self):
        self.assertEqual(RESPONDER.request("GET", "/s3/form", query="type=text%2Fplain").status, 401)
        self.assertEqual(RESPONDER.request("POST", "/s3/form", query="type=text%2Fplain",
                                           remote_user="alice").status, 405)


if __name__ == "__main__":
    unittest.main()
