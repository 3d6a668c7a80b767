"""The documentation's commands run and its links resolve.

A fenced block whose info string is ``sh runnable`` in README.md or docs/*.md holds commands that are safe and
quick on a fresh clone; ``sh runnable slow`` marks one that takes longer (the convention is described in
docs/development.md, "Runnable commands in the documentation"). Each block runs with ``bash -e`` from the root of
a fresh ``git clone`` of the repository (the committed outputs included, the changes to tracked files that are not
yet committed applied), in order: README first, then the docs pages by name. The clone's ``.venv`` is a view of
the test's environment (its own make stamp, so that make never reinstalls into the shared environment); the
shell starts with no virtual environment active, as a user's does.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

MARKERS = {("sh", "runnable"): False, ("sh", "runnable", "slow"): True}  # info string -> slow tier
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass(frozen=True)
class Block:
    source: str
    line: int  # of the opening fence
    slow: bool
    body: str


def fenced_blocks(text: str) -> list[tuple[int, str, str]]:
    """(line of the opening fence, info string, body) of every fenced code block; an unclosed fence runs to the
    end of the text, as in CommonMark."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        out.append((i + 1, info, "".join(line + "\n" for line in lines[i + 1:j])))
        i = j + 1
    return out


def runnable_blocks(text: str, source: str = "<text>") -> list[Block]:
    """The blocks marked runnable; an info string that mentions "runnable" in any other form is an error (a typo
    would otherwise silently leave a command untested)."""
    blocks = []
    for line, info, body in fenced_blocks(text):
        words = tuple(info.split())
        if words in MARKERS:
            blocks.append(Block(source, line, MARKERS[words], body))
        elif "runnable" in info.lower():
            raise ValueError(f"{source}:{line}: unknown marker {info!r} (use 'sh runnable' or 'sh runnable slow')")
    return blocks


def documentation(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def all_blocks(root: Path = ROOT) -> list[Block]:
    return [b for page in documentation(root)
            for b in runnable_blocks(page.read_text(encoding="utf-8"), str(page.relative_to(root)))]


def shell_env(cwd: Path) -> dict[str, str]:
    """The test's environment without an active virtual environment and without an outer make's settings; the
    package ``scs`` is the one in ``cwd`` (as the editable install of ``make env`` in a clone of its own would
    have it), not the one the test's environment was installed from."""
    venv_bin = Path(sys.prefix).resolve() / "bin"
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONHOME", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and Path(p).resolve() != venv_bin)
    env["PYTHONPATH"] = str(cwd / "src")
    return env


def run_blocks(blocks: list[Block], cwd: Path, timeout: int = 900) -> list[str]:
    """Run each block with ``bash -e`` in ``cwd``; a report of every block that failed (none: an empty list)."""
    failures = []
    for b in blocks:
        proc = subprocess.run(["bash", "-e", "-c", b.body], cwd=cwd, env=shell_env(cwd), capture_output=True,
                              text=True, timeout=timeout)
        if proc.returncode != 0:
            failures.append(f"{b.source}:{b.line}: exit {proc.returncode}\n{b.body}--- stdout (end):\n"
                            f"{proc.stdout[-2000:]}--- stderr (end):\n{proc.stderr[-2000:]}")
    return failures


def fresh_clone(dest: Path) -> Path:
    """A clone of the repository as it would be committed now, with the test's environment as ``.venv``."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git repository (e.g. the unpacked replication package): nothing to clone")
    if sys.prefix == sys.base_prefix:
        pytest.skip("the commands need the project's virtual environment (run the tests with .venv/bin/pytest)")
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest)], check=True)
    diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=ROOT, capture_output=True, check=True).stdout
    if diff:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=dest, input=diff, check=True)
    # .venv: the test's environment entry by entry, with a make stamp of its own that is newer than the clone's
    # requirements.lock and pyproject.toml (make would otherwise re-install the shared environment)
    venv = dest / ".venv"
    venv.mkdir()
    for entry in Path(sys.prefix).iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    for name in ("requirements.lock", "pyproject.toml"):
        os.utime(dest / name, (0, 0))
    (venv / ".installed").touch()
    return dest


# --- the commands


def test_the_runnable_commands_run_on_a_fresh_clone(tmp_path):
    blocks = [b for b in all_blocks() if not b.slow]
    assert len(blocks) >= 7, [f"{b.source}:{b.line}" for b in blocks]
    assert sum(b.source == "README.md" for b in blocks) >= 4
    failures = run_blocks(blocks, fresh_clone(tmp_path / "clone"))
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
def test_the_slow_runnable_commands_run_on_a_fresh_clone(tmp_path):
    blocks = [b for b in all_blocks() if b.slow]
    assert len(blocks) >= 2, [f"{b.source}:{b.line}" for b in blocks]
    failures = run_blocks(blocks, fresh_clone(tmp_path / "clone"))
    assert not failures, "\n\n".join(failures)


SAMPLE = """# Title

```sh runnable
echo one
```

```bash
make          # shown, not run
```

~~~sh runnable slow
echo two
```
still inside the tilde fence
~~~

````sh runnable
```
echo three
````
"""


def test_the_extractor_finds_the_marked_blocks_and_only_those():
    blocks = runnable_blocks(SAMPLE, "sample.md")
    assert [(b.line, b.slow) for b in blocks] == [(3, False), (11, True), (17, False)]
    assert blocks[0].body == "echo one\n"
    assert blocks[1].body == "echo two\n```\nstill inside the tilde fence\n"
    assert blocks[2].body == "```\necho three\n"
    for typo in ("sh runnable fast", "bash runnable", "sh Runnable"):
        with pytest.raises(ValueError, match="sample.md:1: unknown marker"):
            runnable_blocks(f"```{typo}\ntrue\n```\n", "sample.md")


def test_a_failing_command_is_reported_with_its_place(tmp_path):
    ok = Block("a.md", 3, False, "true\n")
    bad = Block("b.md", 7, False, "echo before\nfalse\necho after\n")
    assert run_blocks([ok], tmp_path) == []
    failures = run_blocks([ok, bad], tmp_path)
    assert len(failures) == 1 and failures[0].startswith("b.md:7: exit 1")
    assert "before" in failures[0] and "after\n" not in failures[0].split("--- stdout (end):")[1]  # bash -e


def test_the_commands_run_without_the_virtual_environment_active(tmp_path):
    env = shell_env(tmp_path)
    assert "VIRTUAL_ENV" not in env
    assert str(Path(sys.prefix).resolve() / "bin") not in [str(Path(p).resolve()) for p in env["PATH"].split(os.pathsep)]
    assert env["PYTHONPATH"] == str(tmp_path / "src")


# --- the links


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but hyphens and underscores dropped, spaces to
    hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def code_lines(text: str) -> set[int]:
    """The line numbers (from 1) of every fenced block, its fences included."""
    return {n for line, _, body in fenced_blocks(text) for n in range(line, line + body.count("\n") + 2)}


def anchors(text: str) -> set[str]:
    code, seen, out = code_lines(text), {}, set()
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
        if m and n not in code:
            base = slug(m.group(1))
            out.add(f"{base}-{seen[base]}" if base in seen else base)
            seen[base] = seen.get(base, 0) + 1
    return out


def broken_links(pages: list[Path], root: Path) -> list[str]:
    """Every relative link (outside code) whose file does not exist in ``root``, or whose #anchor is no heading
    of its Markdown file."""
    broken, root = [], root.resolve()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        code = code_lines(text)
        prose = "\n".join("" if n in code else line for n, line in enumerate(text.splitlines(), 1))
        prose = re.sub(r"`[^`\n]*`", "", prose)  # code spans
        for target in LINK.findall(prose):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page.resolve()
            where = f"{page.resolve().relative_to(root)}: ({target})"
            if root not in (file, *file.parents):
                broken.append(f"{where}: outside the repository")
            elif not file.exists():
                broken.append(f"{where}: no file {path}")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{where}: no heading #{anchor} in {file.name}")
    return broken


def test_every_link_of_the_readme_and_the_docs_resolves():
    pages = documentation()
    assert len(pages) >= 10
    links = sum(len(LINK.findall(p.read_text(encoding="utf-8"))) for p in pages)
    assert links >= 30
    assert broken_links(pages, ROOT) == []


def test_the_link_check_reports_a_missing_file_and_a_missing_heading(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Why: the reasons, `code` and all?\n")
    readme = tmp_path / "README.md"
    readme.write_text("[ok](docs/a.md) [ok](docs/a.md#why-the-reasons-code-and-all) [ok](#top-title) "
                      "[web](https://example.org/x) `[code](nowhere.md)`\n\n# Top title\n\n"
                      "[gone](docs/b.md) [bad anchor](docs/a.md#reasons) [outside](../../etc/passwd)\n\n"
                      "```\n[in a block](nowhere.md)\n```\n")
    assert broken_links([readme], tmp_path) == [
        "README.md: (docs/b.md): no file docs/b.md",
        "README.md: (docs/a.md#reasons): no heading #reasons in a.md",
        "README.md: (../../etc/passwd): outside the repository",
    ]
