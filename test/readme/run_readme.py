"""Runs README.md as written: every fenced SQL, Python, shell and JavaScript block, on one host.

    python test/readme/run_readme.py --extension build/release/partext.duckdb_extension \\
        [--shell path/to/duckdb] [--node examples/node]

How the README is read (the conventions are stated in the README itself, under "About the
examples"):

- Each `## ` section runs in a fresh directory with a fresh database, `readme.duckdb`, where
  partext is installed (as `make install` does) and loaded, so `LOAD partext` works by name.
  A section's SQL blocks share that database, in order, as one shell session would.
- A block with no language right after a SQL block is that block's output: the last statement's
  result, as DuckDB's shell prints it (a box, or `column: value` lines), compared cell by cell.
- A Python block runs as a script of its own (in the section's directory), and must exit 0.
- A shell (`sh`) block runs in bash with the DuckDB shell on its PATH as `duckdb` (only with
  --shell); so does a SQL block holding dot commands (`.once`, `.read`), through the shell.
- A block whose first line says `not run by make test` is skipped: the README says why there.
- A block right after a line that is a link to a file under examples/ (`[examples/x.py](...):`)
  is that recipe: it must equal the file byte for byte, and it runs twice, each time in a fresh
  directory, with the same output.
Exits non-zero on the first failure, naming the README line.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = "not run by make test"
RECIPE_LINK = re.compile(r"\]\((examples/[^)]+)\)")


class Block:
    def __init__(self, lang, text, line, section, recipe):
        self.lang, self.text, self.line, self.section, self.recipe = lang, text, line, section, recipe
        self.output = None  # the untagged block that follows a SQL block


def parse(path):
    """The README's fenced blocks, in order, with their section and the recipe file they stand for."""
    blocks, section, prose = [], None, ""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, prose = line[3:].strip(), ""
        fence = re.match(r"^(\s*)```(\w*)\s*$", line)
        if not fence:
            if line.strip():
                prose = line
            i += 1
            continue
        indent, lang = fence.group(1), fence.group(2)
        opened, body = i, []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        text = "\n".join(body) + "\n"
        link = RECIPE_LINK.search(prose)
        block = Block(lang, text, opened + 1, section, link.group(1) if link and prose.strip().startswith("[") else None)
        block.closed = i
        if lang == "" and blocks and blocks[-1].lang == "sql" and blocks[-1].closed == opened - 1:
            blocks[-1].output = block
        else:
            blocks.append(block)
        i += 1
        prose = ""
    return blocks


def statements(sql):
    """SQL split into statements at semicolons outside quotes and comments."""
    out, cur, quote, i = [], [], None, 0
    while i < len(sql):
        c = sql[i]
        if quote:
            cur.append(c)
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            cur.append(c)
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = len(sql) if j < 0 else j
            continue
        elif c == ";":
            if "".join(cur).strip():
                out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def shown(value):
    """A value as DuckDB's shell prints it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expected_cells(text):
    """(header, rows) of a box as DuckDB's shell prints it, or of `column: value` lines."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if lines and lines[0].startswith("┌"):
        cells = [[c.strip() for c in ln.strip().strip("│").split("│")] for ln in lines if ln.startswith("│")]
        if not cells:
            raise ValueError("an empty box")
        return cells[0], cells[1:]
    pairs = [ln.split(":", 1) for ln in lines]
    if not all(len(p) == 2 for p in pairs):
        raise ValueError("an output block must be a box or `column: value` lines")
    return [p[0].strip() for p in pairs], [[p[1].strip() for p in pairs]]


def render(header, rows, line_mode):
    """A result as DuckDB's shell prints it: a box, or `column: value` lines (.mode line)."""
    if line_mode:
        width = max(len(h) for h in header)
        return "\n".join("\n".join(f"{h}:{' ' * (width - len(h) + 1)}{v}" for h, v in zip(header, row)) for row in rows) + "\n"
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    numeric = [all(re.fullmatch(r"-?[0-9.]+|NULL", r[i]) for r in rows) and rows for i in range(len(header))]
    def line(l, m, r):
        return l + m.join("─" * (w + 2) for w in widths) + r
    out = [line("┌", "┬", "┐"), "│" + "│".join(f" {h.center(w)} " for h, w in zip(header, widths)) + "│", line("├", "┼", "┤")]
    for row in rows:
        out.append("│" + "│".join(f" {v.rjust(w) if numeric[i] else v.ljust(w)} " for i, (v, w) in enumerate(zip(row, widths))) + "│")
    out.append(line("└", "┴", "┘"))
    return "\n".join(out) + "\n"


class Runner:
    def __init__(self, args):
        self.args = args
        self.python = sys.executable
        self.home = tempfile.mkdtemp(prefix="partext-readme-home-")
        self.work = tempfile.mkdtemp(prefix="partext-readme-")
        self.env = dict(os.environ, HOME=self.home)
        self.env.pop("PARTEXT_EXTENSION", None)
        if args.wheel:  # pip-installed as a user would, into a directory of its own on the path
            site = os.path.join(self.work, "site")
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, args.wheel], check=True)
            self.env["PYTHONPATH"] = site
        # Installed by path into this HOME's extension directory, as `make install` does.
        con = duckdb.connect(config={"allow_unsigned_extensions": "true", "extension_directory": self.ext_dir()})
        con.execute(f"FORCE INSTALL '{args.extension}'")
        con.close()
        self.counts = {}
        self.fills = []
        self.con = None
        self.dir = None

    def ext_dir(self):
        return os.path.join(self.home, ".duckdb", "extensions")

    def open(self):
        self.con = duckdb.connect(os.path.join(self.dir, "readme.duckdb"),
                                  config={"allow_unsigned_extensions": "true", "extension_directory": self.ext_dir()})
        self.con.execute("LOAD partext")

    def close(self):
        if self.con is not None:
            self.con.close()
            self.con = None

    def start_section(self, name, index):
        self.close()
        self.dir = os.path.join(self.work, f"{index:02d}")
        os.makedirs(self.dir)
        os.chdir(self.dir)
        self.open()

    def count(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def fail(self, block, message):
        raise SystemExit(f"README.md line {block.line} ({block.section}): {message}")

    def run_sql(self, block):
        if any(ln.startswith(".") for ln in block.text.split("\n")):
            return self.run_shell(block, "sql")
        result = None
        for stmt in statements(block.text):
            try:
                rel = self.con.sql(stmt)
                result = (rel.columns, rel.fetchall()) if rel is not None else None
            except duckdb.Error as e:
                self.fail(block, f"{stmt[:80]!r} failed: {e}")
        self.count("sql")
        if block.output is None:
            return repr(result)
        if block.output is not None:
            if result is None:
                self.fail(block, "an output is shown but the last statement returns nothing")
            got = [[shown(v) for v in row] for row in result[1]]
            try:
                header, rows = expected_cells(block.output.text)
            except ValueError:
                header, rows = None, None
            if header != list(result[0]) or rows != got:
                if self.args.fill:  # a maintainer's aid: write what the host returned into the README
                    line_mode = not block.output.text.lstrip().startswith("┌")
                    self.fills.append((block.output, render(list(result[0]), got, line_mode)))
                else:
                    self.fail(block, f"output differs\nREADME: {header} {rows}\nhost:   {list(result[0])} {got}")
            self.count("output")

    def run_process(self, block, argv, stdin=None):
        r = subprocess.run(argv, cwd=self.dir, env=self.env, input=stdin, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            self.fail(block, f"exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        return r.stdout

    def run_shell(self, block, lang):
        self.close()  # the shell opens the section's database itself
        env_path = os.path.join(self.work, "bin")
        os.makedirs(env_path, exist_ok=True)
        link = os.path.join(env_path, "duckdb")
        if not os.path.exists(link):
            os.symlink(self.args.shell, link)
        self.env["PATH"] = env_path + os.pathsep + os.environ["PATH"]
        if lang == "sql":
            out = self.run_process(block, [self.args.shell, "-unsigned", "-bail", "readme.duckdb", "-cmd", "LOAD partext"], block.text)
        else:
            out = self.run_process(block, ["bash", "-euo", "pipefail", "-c", block.text])
        self.open()
        self.count(lang if lang == "sh" else "shell sql")
        return out

    def run_python(self, block):
        path = os.path.join(self.dir, f"block_{block.line}.py")
        with open(path, "w") as f:
            f.write(block.text)
        self.close()
        out = self.run_process(block, [self.python, path])
        self.open()
        self.count("python")
        return out

    def run_js(self, block):
        path = os.path.join(self.args.node, f"readme_block_{block.line}.mjs")
        with open(path, "w") as f:
            f.write(block.text)
        self.close()
        try:
            out = self.run_process(block, ["node", path])
        finally:
            os.unlink(path)
        self.open()
        self.count("js")
        return out

    def run_block(self, block):
        if block.text.split("\n", 1)[0].find(SKIP) >= 0:
            self.count("skipped (the README says why)")
            return None
        run = {"sql": self.run_sql, "python": self.run_python, "sh": lambda b: self.run_shell(b, "sh"), "js": self.run_js}.get(block.lang)
        if run is None:
            return None
        return run(block)

    def run_recipe(self, block):
        """A recipe runs in a fresh directory of its own (with its own readme.duckdb)."""
        section_dir = self.dir
        self.close()
        self.dir = tempfile.mkdtemp(dir=section_dir, prefix="recipe-")
        try:
            self.open()
            return self.run_block(block)
        finally:
            self.close()
            self.dir = section_dir
            self.open()

    def run(self):
        blocks = parse(os.path.join(ROOT, "README.md"))
        sections = []
        for block in blocks:
            if block.lang == "" or block.lang == "text":
                continue
            if not sections or sections[-1] != block.section:
                sections.append(block.section)
                self.start_section(block.section, len(sections))
            if SKIP in block.text.split("\n", 1)[0]:
                self.count("skipped (the README says why)")
                continue
            dot_commands = block.lang == "sql" and any(ln.startswith(".") for ln in block.text.split("\n"))
            if (block.lang == "sh" or dot_commands) and not self.args.shell or block.lang == "js" and not self.args.node:
                self.count("left to the host with the shell and Node.js")
                continue
            if block.recipe:
                recipe = open(os.path.join(ROOT, block.recipe), encoding="utf-8").read()
                if recipe != block.text:
                    self.fail(block, f"the block differs from {block.recipe}; the README shows the file as it is")
                first, second = self.run_recipe(block), self.run_recipe(block)
                if first != second:
                    self.fail(block, f"{block.recipe} printed something else when run again:\n{first}\n---\n{second}")
                self.count("recipes run twice")
            else:
                self.run_block(block)
        self.close()
        return self.counts


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--extension", required=True)
    ap.add_argument("--shell", help="the DuckDB shell, for sh blocks and SQL with dot commands")
    ap.add_argument("--node", help="a directory with @duckdb/node-api installed, for js blocks")
    ap.add_argument("--wheel", help="partext's wheel, installed for the Python blocks (import duckdb_extension_partext)")
    ap.add_argument("--fill", action="store_true", help="write the host's results into output blocks that differ (to review with git diff)")
    args = ap.parse_args(argv)
    args.extension = os.path.abspath(args.extension)
    args.shell = os.path.abspath(args.shell) if args.shell else None
    args.node = os.path.abspath(args.node) if args.node else None
    runner = Runner(args)
    try:
        counts = runner.run()
    finally:
        os.chdir(ROOT)
        shutil.rmtree(runner.work, ignore_errors=True)
        shutil.rmtree(runner.home, ignore_errors=True)
    if runner.fills:
        path = os.path.join(ROOT, "README.md")
        lines = open(path, encoding="utf-8").read().split("\n")
        for block, text in sorted(runner.fills, key=lambda f: -f[0].line):
            lines[block.line:block.closed] = text.rstrip("\n").split("\n")
        open(path, "w", encoding="utf-8").write("\n".join(lines))
        print(f"filled {len(runner.fills)} output blocks of README.md")
    print(f"README.md on DuckDB {duckdb.__version__}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
