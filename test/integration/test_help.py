"""Black-box: every subcommand of the CLI (found through `--help`, recursively)
has a description, and the man page docs/batchcall.1 has a `.SS batchcall <name>`
section for it and mentions each of its long options."""
import os
import re
import subprocess
import unittest

from harness import BIN

MAN_PAGE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "batchcall.1")


def help_text(path):
    r = subprocess.run([BIN] + path + ["--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, (path, r.returncode, r.stderr)
    return r.stdout


def section(text, title):
    """Lines of the block that starts with `title:` (CLI11's help layout)."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.rstrip() == title + ":":
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            lines.append(line)
    return lines


def commands():
    """{path tuple: help text} for every subcommand, recursively."""
    found = {}
    todo = [[]]
    while todo:
        path = todo.pop()
        text = help_text(path)
        if path:
            found[tuple(path)] = text
        for line in section(text, "Subcommands"):
            m = re.match(r"  (\S+)", line)
            if m:
                todo.append(path + [m.group(1)])
    return found


def long_options(text):
    opts = set()
    for line in section(text, "Options"):
        for m in re.finditer(r"(?:^|[ ,])(--[a-z][a-z0-9-]*)", line.split("  ")[1] if line.startswith("  ") else ""):
            opts.add(m.group(1))
    return opts - {"--help", "--version"}


class HelpAndManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.commands = commands()
        with open(MAN_PAGE, encoding="utf-8") as f:
            cls.man = f.read()
        cls.man_plain = cls.man.replace("\\-", "-")

    def test_finds_the_known_commands(self):
        names = {" ".join(p) for p in self.commands}
        for expected in ["serve", "validate", "keys create", "config check", "config example", "batch create",
                         "batch run", "status", "schedule", "executions", "stop", "pause", "resume"]:
            self.assertIn(expected, names)

    def test_every_subcommand_has_a_description(self):
        for path, text in self.commands.items():
            first = text.splitlines()[0].strip()
            self.assertFalse(first.startswith("Usage"), "no description: batchcall %s" % " ".join(path))

    def test_every_subcommand_has_a_man_page_section(self):
        headings = set(re.findall(r"^\.SS batchcall ([a-z ]+?)\s*$", self.man, re.M))
        missing = [" ".join(p) for p in self.commands if " ".join(p) not in headings]
        self.assertEqual(missing, [], "subcommands missing from docs/batchcall.1 (.SS batchcall <name>)")

    def test_every_option_is_in_the_man_page(self):
        missing = []
        for path, text in self.commands.items():
            for opt in long_options(text):
                if not re.search(re.escape(opt) + r"(?![a-z0-9-])", self.man_plain):
                    missing.append("batchcall %s %s" % (" ".join(path), opt))
        self.assertEqual(missing, [])

    def test_man_page_has_the_standard_sections(self):
        for name in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "CONFIGURATION", "ENVIRONMENT", "FILES",
                     "EXIT STATUS"]:
            self.assertRegex(self.man, r"(?m)^\.SH \"?%s\"?$" % name)

    def test_serve_help_names_every_setting_environment_variable(self):
        text = help_text(["serve"])
        for env in ["BATCHCALL_LISTEN", "BATCHCALL_DB", "BATCHCALL_WEBHOOK_MAX_AGE", "BATCHCALL_LOG_FORMAT",
                    "BATCHCALL_CONFIG", "BATCHCALL_API_KEY", "BATCHCALL_SECRET_KEY"]:
            self.assertIn(env, text)


if __name__ == "__main__":
    unittest.main()
