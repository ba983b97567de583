"""The documents that name tests: every test that docs/SECURITY.md names exists.

A row of the threat model is only as good as the test it names; a renamed or deleted test would
leave the row pointing at nothing. References are `path::Suite.Test` (C++ TEST/TEST_F/TEST_P, or a
Python class and method), followed in the same cell by more `Suite.Test` names of the same file.
"""

import re
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECURITY = REPO / "docs" / "SECURITY.md"
REFERENCE = re.compile(r"`([\w./-]+)::(\w+)\.(\w+)`")
FOLLOWING = re.compile(r"\s*,\s*`(\w+)\.(\w+)`")


def named_tests(text):
    """(path, suite, test) for every test the text names, in order."""
    found = []
    for match in REFERENCE.finditer(text):
        path = match.group(1)
        if path == "file":  # the legend's placeholder
            continue
        found.append((path, match.group(2), match.group(3)))
        at = match.end()
        while following := FOLLOWING.match(text, at):
            found.append((path, following.group(1), following.group(2)))
            at = following.end()
    return found


def defines(path, suite, test):
    source = (REPO / path).read_text(encoding="utf-8")
    if path.endswith(".py"):
        class_at = re.search(rf"^class {re.escape(suite)}\b", source, re.M)
        return class_at is not None and re.search(rf"^\s+def {re.escape(test)}\(", source,
                                                  re.M) is not None
    return re.search(rf"TEST(?:_F|_P)?\(\s*{re.escape(suite)}\s*,\s*{re.escape(test)}\s*\)",
                     source) is not None


class SecurityDocTest(unittest.TestCase):
    def test_the_reader_finds_the_references(self):
        text = ("`tests/a_test.cc::A.B`, `A.C`; `tests/integration/test_x.py::X.test_y` "
                "and `file::Suite.Test`")
        self.assertEqual(named_tests(text), [("tests/a_test.cc", "A", "B"),
                                             ("tests/a_test.cc", "A", "C"),
                                             ("tests/integration/test_x.py", "X", "test_y")])

    def test_every_named_test_exists(self):
        tests = named_tests(SECURITY.read_text(encoding="utf-8"))
        self.assertGreater(len(tests), 80)
        missing = [f"{path}::{suite}.{test}" for path, suite, test in tests
                   if not (REPO / path).is_file() or not defines(path, suite, test)]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
