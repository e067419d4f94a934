"""Install by name (issue: an extension repository, `pip install` and `LOAD partext`).

For every supported host, each check in a fresh HOME (so a fresh extension directory):
0. the wheel, pip-installed into a fresh venv holding only that DuckDB wheel: a manifest after
   `duckdb_extension_partext.load(con)`, and after `INSTALL '<the wheel's file>'` + `LOAD partext`;
1. `make install`'s mechanism (`tools/package.py install`), then `LOAD partext` by name, in
   Python and, for its version, in duckdb-cli;
2. `build/repository` served over HTTP on 127.0.0.1 and read from a local path:
   `INSTALL partext FROM '<url or path>'; LOAD partext;`, in Python and duckdb-cli;
3. after each, `duckdb_extensions()` reports partext loaded, its version and its install mode.
"""
import argparse
import functools
import glob
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import venv

CHECK = r"""
import json, sys, duckdb
con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
for sql in json.loads(sys.argv[1]):
    con.execute(sql)
con.execute("CREATE TABLE events AS SELECT TIMESTAMP '2024-01-01' + to_hours(i * 5) AS ts FROM range(1000) t(i)")
rows = con.execute("SELECT sum(row_count), count(*) FROM partext.partition_temporal('events', 'ts', 'month')").fetchall()[0]
ext = con.execute("SELECT loaded, installed, extension_version, install_mode FROM duckdb_extensions() WHERE extension_name = 'partext'").fetchall()
print(json.dumps({"rows": rows, "ext": [list(map(str, e)) for e in ext], "duckdb": duckdb.__version__}))
"""

CLI_CHECK = """
CREATE TABLE events AS SELECT TIMESTAMP '2024-01-01' + to_hours(i * 5) AS ts FROM range(1000) t(i);
SELECT sum(row_count) || ' ' || count(*) FROM partext.partition_temporal('events', 'ts', 'month');
SELECT loaded || ' ' || installed || ' ' || extension_version || ' ' || install_mode FROM duckdb_extensions() WHERE extension_name = 'partext';
"""


class Checks:
    def __init__(self):
        self.count = 0

    def true(self, cond, what):
        self.count += 1
        if not cond:
            print(f"FAIL install: {what}")
            sys.exit(1)


def fresh_home(tmp, name):
    home = os.path.join(tmp, "home-" + name)
    os.makedirs(home)
    return dict(os.environ, HOME=home)


def run_python(python, env, setup, checks, what, version, mode):
    p = subprocess.run([python, "-c", CHECK, json.dumps(setup)], env=env, capture_output=True, text=True, timeout=300)
    checks.true(p.returncode == 0, f"{what}: {p.stderr.strip()[-600:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    checks.true(out["rows"] == [1000, 7], f"{what}: the manifest ran ({out['rows']})")
    checks.true(out["duckdb"] == version, f"{what}: on DuckDB {version} ({out['duckdb']})")
    ext = out["ext"]
    checks.true(len(ext) == 1 and ext[0][0] == "True" and ext[0][1] == "True", f"{what}: duckdb_extensions() says loaded and installed ({ext})")
    checks.true(ext[0][2] == f"v{VERSION}", f"{what}: duckdb_extensions() reports version v{VERSION} ({ext[0][2]})")
    checks.true(ext[0][3] == mode, f"{what}: install mode {mode} ({ext[0][3]})")
    print(f"  DuckDB {version}, {what}: manifest ok, duckdb_extensions(): {' '.join(ext[0])}")


def run_cli(cli, env, setup, checks, what, mode):
    p = subprocess.run([cli, "-unsigned", "-noheader", "-list", "-bail", "-c", setup + CLI_CHECK], env=env, capture_output=True, text=True, timeout=300)
    checks.true(p.returncode == 0, f"cli {what}: {p.stderr.strip()[-600:]}")
    lines = p.stdout.strip().splitlines()
    checks.true(lines[-2] == "1000 7", f"cli {what}: the manifest ran ({lines})")
    checks.true(lines[-1] == f"true true v{VERSION} {mode}", f"cli {what}: duckdb_extensions() ({lines[-1]})")
    print(f"  duckdb-cli, {what}: manifest ok, duckdb_extensions(): {lines[-1]}")


def serve(directory):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extension", required=True)
    ap.add_argument("--wheel-dir", required=True)
    ap.add_argument("--repository", required=True)
    ap.add_argument("--platform", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--host", action="append", default=[], help="VERSION=PYTHON")
    ap.add_argument("--library", required=True, help="the library cargo built, to stamp an older build from")
    ap.add_argument("--append-metadata", required=True)
    ap.add_argument("--min-api", required=True)
    ap.add_argument("--packaging-python", required=True, help="a python with setuptools and wheel")
    args = ap.parse_args()
    checks = Checks()
    cli_version = subprocess.run([args.cli, "-version"], capture_output=True, text=True).stdout.split()[0].lstrip("v")
    (wheel,) = glob.glob(os.path.join(args.wheel_dir, "duckdb_extension_partext-*.whl"))
    checks.true(wheel.endswith(f"-py3-none-{ {'linux_amd64': 'linux_x86_64', 'linux_arm64': 'linux_aarch64'}.get(args.platform, '?') }.whl"), f"wheel name {wheel}")
    repository = os.path.abspath(args.repository)
    server = serve(repository)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        old_wheel = older_wheel(tmp, args, [h.split("=")[0] for h in args.host])
        for spec in args.host:
            version, python = spec.split("=", 1)
            # 0. The wheel in a fresh venv holding only the DuckDB wheel.
            env_dir = os.path.join(tmp, f"venv-{version}")
            venv.create(env_dir, with_pip=True)
            vpy = os.path.join(env_dir, "bin", "python")
            subprocess.run([vpy, "-m", "pip", "install", "--quiet", f"duckdb=={version}", wheel], check=True)
            p = subprocess.run(
                [vpy, "-c", "import duckdb, duckdb_extension_partext as x, json, sys;"
                 "con = duckdb.connect(config={'allow_unsigned_extensions': 'true'}); x.load(con);"
                 "out = sys.argv[1]; figures = x.write(con, '(SELECT range AS i FROM range(100))', out, 'hash', 'i', 4, progress=False);"
                 "written = con.execute('SELECT count(*) FROM read_parquet(?)', [out + '/**/*.parquet']).fetchall()[0][0];"
                 "print(json.dumps([con.execute(\"SELECT sum(row_count) FROM partext.partition_hash('(SELECT range AS i FROM range(100))', 'i', 4)\").fetchall()[0][0],"
                 " x.SUPPORTED, x.extension_path(duckdb.__version__), len(figures), written]))", os.path.join(tmp, f"written-{version}")],
                env=fresh_home(tmp, f"wheel-load-{version}"), capture_output=True, text=True)
            checks.true(p.returncode == 0, f"wheel load(con) on {version}: {p.stderr[-600:]}")
            total, supported, path, passes, written = json.loads(p.stdout.strip().splitlines()[-1])
            checks.true(total == 100, f"wheel load(con) on {version}: manifest over 100 rows ({total})")
            checks.true(passes >= 1 and written == 100, f"wheel write() on {version}: {passes} passes, {written} of 100 rows written")
            checks.true(sorted(supported) == sorted(f"v{h.split('=')[0]}" for h in args.host), f"wheel carries every host's binary ({supported})")
            print(f"  DuckDB {version}, wheel: load(con) ran a manifest, write() wrote 100 rows; binaries for {', '.join(supported)}")
            run_python(vpy, fresh_home(tmp, f"wheel-install-{version}"), [f"INSTALL '{path}'", "LOAD partext"], checks, "wheel file, INSTALL + LOAD partext", version, "CUSTOM_PATH")
            p = subprocess.run([vpy, "-c", "import duckdb_extension_partext as x; x.extension_path('1.4.4')"], capture_output=True, text=True)
            checks.true(p.returncode != 0 and "no binary for DuckDB 1.4.4" in p.stderr and "supports DuckDB" in p.stderr, f"unsupported version message: {p.stderr[-300:]}")
            # 0b. Upgrades: partext installed from the repository, then an older wheel's load(), then
            # the newer wheel's: each load() replaces a binary that is not its own.
            upgrade(tmp, version, wheel, old_wheel, repository, checks)
            # 1. make install's mechanism in a fresh HOME, then LOAD by name.
            env = fresh_home(tmp, f"install-{version}")
            tool = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "package.py")
            p = subprocess.run([python, tool, "install", "--extension", args.extension], env=env, capture_output=True, text=True)
            checks.true(p.returncode == 0 and env["HOME"] in p.stdout, f"make install mechanism on {version}: {p.stdout} {p.stderr[-400:]}")
            run_python(python, env, ["LOAD partext"], checks, "make install, LOAD partext", version, "CUSTOM_PATH")
            if version == cli_version:
                run_cli(args.cli, env, "LOAD partext;", checks, "make install, LOAD partext", "CUSTOM_PATH")
            # 2. The repository over HTTP and from a path.
            for what, source in [("repository over HTTP", url), ("repository at a path", repository)]:
                env = fresh_home(tmp, f"{what.split()[-1]}-{version}")
                run_python(python, env, [f"INSTALL partext FROM '{source}'", "LOAD partext"], checks, what, version, "REPOSITORY")
                if version == cli_version:
                    env = fresh_home(tmp, f"cli-{what.split()[-1]}-{version}")
                    run_cli(args.cli, env, f"INSTALL partext FROM '{source}'; LOAD partext;", checks, what, "REPOSITORY")
    server.shutdown()
    print(f"install by name: {checks.count} checks passed")


OLD_VERSION = "0.0.1"


def older_wheel(tmp, args, versions):
    """A wheel of an older build: the same library stamped as v0.0.1, packaged as version 0.0.1."""
    old = os.path.join(tmp, "old", "partext.duckdb_extension")
    os.makedirs(os.path.dirname(old))
    subprocess.run([args.append_metadata, args.library, old, f"v{OLD_VERSION}", args.min_api, args.platform], check=True, capture_output=True)
    tool = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "package.py")
    out = os.path.join(tmp, "old-wheel")
    subprocess.run([args.packaging_python, tool, "wheel", "--extension", old, "--platform", args.platform, "--versions", *versions,
                    "--out", out, "--version", OLD_VERSION], check=True, capture_output=True)
    (built,) = glob.glob(os.path.join(out, "duckdb_extension_partext-*.whl"))
    return built


LOADED = ("import duckdb, duckdb_extension_partext as x, json; con = duckdb.connect(config={'allow_unsigned_extensions': 'true'});"
          " x.load(con); print(json.dumps(con.execute(\"SELECT extension_version, install_mode FROM duckdb_extensions()"
          " WHERE extension_name = 'partext'\").fetchone()))")


def upgrade(tmp, version, wheel, old_wheel, repository, checks):
    env_dir = os.path.join(tmp, f"venv-upgrade-{version}")
    venv.create(env_dir, with_pip=True)
    vpy = os.path.join(env_dir, "bin", "python")
    env = fresh_home(tmp, f"upgrade-{version}")
    subprocess.run([vpy, "-m", "pip", "install", "--quiet", f"duckdb=={version}", old_wheel], check=True)
    p = subprocess.run([vpy, "-c", f"import duckdb; c = duckdb.connect(config={{'allow_unsigned_extensions': 'true'}}); c.execute(\"INSTALL partext FROM '{repository}'\")"],
                       env=env, capture_output=True, text=True)
    checks.true(p.returncode == 0, f"install from the repository on {version}: {p.stderr[-400:]}")
    for what, expected in [(f"older wheel {OLD_VERSION} after the repository's v{VERSION}", f"v{OLD_VERSION}"),
                           (f"newer wheel {VERSION} after the older one", f"v{VERSION}")]:
        if expected == f"v{VERSION}":
            subprocess.run([vpy, "-m", "pip", "install", "--quiet", wheel], check=True)
        p = subprocess.run([vpy, "-c", LOADED], env=env, capture_output=True, text=True)
        checks.true(p.returncode == 0, f"{what} on {version}: {p.stderr[-600:]}")
        loaded = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else None
        checks.true(loaded is not None and loaded[0] == expected, f"{what} on {version}: loads {expected} ({loaded})")
        print(f"  DuckDB {version}, {what}: load(con) loads {loaded[0] if loaded else '?'}")


VERSION = None

if __name__ == "__main__":
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "Cargo.toml")) as f:
        import re
        VERSION = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    main()
