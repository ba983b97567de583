"""The command line and the three ways to get a listening socket (--listen, fd 0, systemd)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import harness
from harness import BINARY, REPO_ROOT, cgi_fcgi_request, profile_yaml


def project_version():
    text = (REPO_ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(s3-upload-signer VERSION ([0-9.]+)", text).group(1)


def run(args, timeout=20, stdin=subprocess.DEVNULL, env=None):
    """Runs the binary; returns (exit code, stdout, stderr) as text."""
    proc = subprocess.run([str(BINARY)] + list(args), stdin=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout,
                          env=harness.responder_env(env), text=True, errors="replace")
    report = harness.sanitizer_report(proc.stderr)
    if report:
        raise AssertionError(f"sanitizer report:\n{report}")
    return proc.returncode, proc.stdout, proc.stderr


class ConfigDir:
    """A temp dir with config.yaml and signing.secret (0600)."""

    def __init__(self, config_yaml=None, secret=harness.EXAMPLE_SECRET_KEY, secret_mode=0o600):
        self.dir = Path(tempfile.mkdtemp(prefix="s3us-cli-"))
        self.config = self.dir / "config.yaml"
        self.secret = self.dir / "signing.secret"
        self.text = config_yaml if config_yaml is not None else profile_yaml()
        self.config.write_text(self.text)
        self.secret.write_text(secret + "\n")
        os.chmod(self.secret, secret_mode)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def assert_binary():
    if not Path(BINARY).exists():
        raise AssertionError(f"{BINARY} does not exist: run scripts/build asan or set S3US_BINARY")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert_binary()

    def setUp(self):
        self.cfg = ConfigDir()
        self.addCleanup(self.cfg.cleanup)

    # --- flags -------------------------------------------------------------------------------
    def test_version(self):
        code, out, err = run(["--version"])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines()[0].strip(), f"s3-upload-signer {project_version()}",
                         out)

    def test_help_lists_every_flag(self):
        code, out, err = run(["--help"])
        self.assertEqual(code, 0, err)
        for flag in ("--config", "--check-config", "--listen", "--threads", "--version",
                     "--help"):
            self.assertIn(flag, out, f"--help does not mention {flag}:\n{out}")

    def test_unknown_flag_is_refused(self):
        code, out, err = run(["--no-such-flag"])
        self.assertNotEqual(code, 0)
        self.assertIn("--no-such-flag", out + err)

    # --- --check-config ----------------------------------------------------------------------
    def test_check_config_valid(self):
        code, out, err = run(["--check-config", "--config", str(self.cfg.config)])
        self.assertEqual(code, 0, out + err)

    def test_check_config_names_misspelled_key_with_line_and_column(self):
        text = self.cfg.text
        self.assertEqual(text.count("      max: 20000000\n"), 1)
        text = text.replace("      max: 20000000\n", "      max_sise: 20000000\n")
        self.cfg.config.write_text(text)
        line, column = harness.find_line_col(text, "max_sise")
        code, out, err = run(["--check-config", "--config", str(self.cfg.config)])
        self.assertNotEqual(code, 0, "a misspelled key must fail --check-config")
        expected = f"{self.cfg.config}:{line}:{column}: "
        lines = [l for l in (out + err).splitlines() if l.startswith(expected)]
        self.assertTrue(lines, f"no line starting with {expected!r}:\n{out}{err}")
        self.assertTrue(any("max_sise" in l for l in lines),
                        f"the error at {expected} does not name max_sise:\n{out}{err}")

    def test_check_config_every_error_has_file_line_column(self):
        text = self.cfg.text.replace("    region: us-east-1\n", "    regoin: us-east-1\n")
        text = text.replace("    acls: [private, public-read]\n", "    acls: [privat]\n")
        self.cfg.config.write_text(text)
        code, out, err = run(["--check-config", "--config", str(self.cfg.config)])
        self.assertNotEqual(code, 0)
        output = out + err
        for needle in ("regoin", "privat"):
            line, _ = harness.find_line_col(text, needle)
            self.assertRegex(output, r"(?m)^" + re.escape(f"{self.cfg.config}:{line}:") +
                             r"\d+: .*" + needle, f"no error on line {line} ({needle}):\n{output}")

    def test_check_config_yaml_syntax_error(self):
        # A sequence entry inside a mapping: yaml-cpp stops at the "-" ("end of map not found").
        text = self.cfg.text.replace("      max: 20000000\n", "      max: 20000000\n      - 5\n")
        self.cfg.config.write_text(text)
        line, column = harness.find_line_col(text, "- 5")
        code, out, err = run(["--check-config", "--config", str(self.cfg.config)])
        self.assertNotEqual(code, 0)
        self.assertRegex(out + err,
                         r"(?m)^" + re.escape(f"{self.cfg.config}:{line}:{column}: ") + r"\S",
                         out + err)

    def test_check_config_missing_file(self):
        missing = self.cfg.dir / "nope.yaml"
        code, out, err = run(["--check-config", "--config", str(missing)])
        self.assertNotEqual(code, 0)
        self.assertIn(str(missing), out + err)

    def test_secret_file_readable_by_others_is_refused(self):
        os.chmod(self.cfg.secret, 0o644)
        code, out, err = run(["--check-config", "--config", str(self.cfg.config)])
        self.assertNotEqual(code, 0, "a 0644 secret file must be refused")
        self.assertIn("signing.secret", out + err)
        # And the server refuses to start with it, too.
        sock = self.cfg.dir / "fcgi.sock"
        code, out, err = run(["--config", str(self.cfg.config), "--listen", f"unix:{sock}"])
        self.assertNotEqual(code, 0)
        self.assertIn("signing.secret", out + err)

    def test_secret_file_0600_and_0640_are_accepted(self):
        for mode in (0o600, 0o640, 0o400):
            os.chmod(self.cfg.secret, mode)
            code, out, err = run(["--check-config", "--config", str(self.cfg.config)])
            self.assertEqual(code, 0, f"mode {mode:o}: {out}{err}")

    # --- where the socket comes from ---------------------------------------------------------
    def _assert_refuses_without_socket(self, stdin, env=None):
        started = time.monotonic()
        proc = subprocess.Popen([str(BINARY), "--config", str(self.cfg.config)], stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=harness.responder_env(env))
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.fail("started with no socket, the responder did not exit within 10 s "
                      "(it must refuse, not wait as a CGI)")
        self.assertNotEqual(proc.returncode, 0, out + err)
        self.assertIn("--listen", out + err, "the message must say how to run it")
        self.assertIsNone(harness.sanitizer_report(err), err)
        return time.monotonic() - started

    def test_no_socket_stdin_devnull(self):
        self._assert_refuses_without_socket(subprocess.DEVNULL)

    def test_no_socket_stdin_pipe(self):
        # A pipe that stays open: a program that fell back to CGI mode would block reading it.
        self._assert_refuses_without_socket(subprocess.PIPE)

    def test_no_socket_listen_pid_of_another_process(self):
        # LISTEN_FDS meant for someone else (LISTEN_PID != our pid) must be ignored.
        self._assert_refuses_without_socket(subprocess.DEVNULL,
                                            {"LISTEN_FDS": "1", "LISTEN_PID": "1"})

    def _listening_socket(self, name):
        path = str(self.cfg.dir / name)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen(16)
        return sock, path

    def _serve_and_stop(self, proc, address, log_path):
        try:
            response = cgi_fcgi_request(address, "GET", "/health", timeout=20)
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.json().get("status"), "ok", response)
            response = cgi_fcgi_request(address, "GET", "/nowhere", timeout=20)
            self.assertEqual(response.status, 404, response)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
        log = Path(log_path).read_text(errors="replace")
        self.assertIsNone(harness.sanitizer_report(log), log)
        self.assertEqual(code, 0, log)

    def test_inherited_socket_on_fd0(self):
        """spawn-fcgi / mod_fcgid style: the listening socket is the child's stdin."""
        sock, path = self._listening_socket("spawn.sock")
        log_path = self.cfg.dir / "stderr.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([str(BINARY), "--config", str(self.cfg.config),
                                     "--threads", "2"],
                                    stdin=sock.fileno(), stdout=log, stderr=log,
                                    env=harness.responder_env())
        sock.close()  # the child has its own copy
        self._serve_and_stop(proc, path, log_path)

    def test_systemd_socket_activation(self):
        """systemd style: fd 3, LISTEN_FDS=1, LISTEN_PID=<the responder's own pid>."""
        sock, path = self._listening_socket("systemd.sock")
        wrapper = (
            "import os, sys\n"
            "fd = int(sys.argv[1])\n"
            "if fd != 3:\n"
            "    os.dup2(fd, 3)\n"
            "    os.close(fd)\n"
            "os.environ['LISTEN_FDS'] = '1'\n"
            "os.environ['LISTEN_PID'] = str(os.getpid())\n"
            "os.execv(sys.argv[2], sys.argv[2:])\n")
        log_path = self.cfg.dir / "stderr.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-c", wrapper, str(sock.fileno()),
                                     str(BINARY), "--config", str(self.cfg.config),
                                     "--threads", "2"],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    pass_fds=(sock.fileno(),), env=harness.responder_env())
        sock.close()
        self._serve_and_stop(proc, path, log_path)

    def test_listen_tcp(self):
        port = harness.free_port()
        with harness.Responder(profile_yaml(), listen=f"127.0.0.1:{port}") as r:
            response = r.request("GET", "/health")
            self.assertEqual(response.status, 200, response)
            self.assertEqual(r.stop(), 0)

    def test_listen_unix_replaces_stale_socket_and_removes_it_on_exit(self):
        stale = self.cfg.dir / "stale.sock"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(stale))
        s.close()  # a socket file nobody listens on
        with harness.Responder(profile_yaml(), listen=f"unix:{stale}") as r:
            self.assertEqual(r.request("GET", "/health").status, 200)
            self.assertEqual(r.stop(), 0)
        self.assertFalse(stale.exists(), "the socket file it created must be removed on exit")

    def test_threads_flag_validated(self):
        for bad in ("0", "-1", "abc"):
            try:
                code, out, err = run(["--config", str(self.cfg.config), "--threads", bad,
                                      "--listen", f"unix:{self.cfg.dir / 'x.sock'}"], timeout=10)
            except subprocess.TimeoutExpired:
                self.fail(f"--threads {bad} was accepted (the server started)")
            self.assertNotEqual(code, 0, f"--threads {bad} accepted")
            self.assertIn("--threads", out + err)


if __name__ == "__main__":
    unittest.main()
