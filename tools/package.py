"""partext's distribution artifacts, from the built extension (`make wheel`, `make repository`,
`make install`).

    python tools/package.py wheel       --extension E --platform P --versions 1.5.6 2.0.1 --out build/wheel
    python tools/package.py repository  --extension E --platform P --versions 1.5.6 2.0.1 --out build/repository
    python tools/package.py install     --extension E                 # with the DuckDB of the running Python

- wheel: `duckdb_extension_partext-<version>-py3-none-<platform tag>.whl`, the package in
  python/ with the same binary under `extensions/v<duckdb version>/` for every supported
  version, built by setuptools and retagged for the platform with `wheel tags`;
- repository: `<out>/v<duckdb version>/<platform>/partext.duckdb_extension.gz`, the layout
  `INSTALL partext FROM '<url or path>'` reads;
- install: `INSTALL '<extension>'` with the running Python's DuckDB, which copies it into that
  version's extension directory (`~/.duckdb/extensions/v<version>/<platform>/`).
"""
import argparse
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# DuckDB's platform names and the wheel platform tags of the same machines.
WHEEL_TAGS = {
    "linux_amd64": "linux_x86_64",
    "linux_arm64": "linux_aarch64",
    "osx_amd64": "macosx_11_0_x86_64",
    "osx_arm64": "macosx_11_0_arm64",
    "windows_amd64": "win_amd64",
}


def version():
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        return re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)


def wheel(args):
    tag = WHEEL_TAGS.get(args.platform)
    if tag is None:
        sys.exit(f"no wheel platform tag for DuckDB platform {args.platform}; known: {', '.join(WHEEL_TAGS)}")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        shutil.copytree(os.path.join(ROOT, "python"), src)
        for v in args.versions:
            target = os.path.join(src, "duckdb_extension_partext", "extensions", f"v{v}")
            os.makedirs(target)
            shutil.copy(args.extension, os.path.join(target, "partext.duckdb_extension"))
        with open(os.path.join(src, "pyproject.toml"), "w") as f:
            f.write(PYPROJECT.format(version=args.version or version()))
        os.makedirs(args.out, exist_ok=True)
        for old in glob.glob(os.path.join(args.out, "duckdb_extension_partext-*.whl")):
            os.remove(old)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", tmp, src], check=True)
        (built,) = glob.glob(os.path.join(tmp, "duckdb_extension_partext-*.whl"))
        subprocess.run([sys.executable, "-m", "wheel", "tags", "--remove", "--platform-tag", tag, built], check=True, capture_output=True)
        (tagged,) = glob.glob(os.path.join(tmp, f"duckdb_extension_partext-*-{tag}.whl"))
        shutil.copy(tagged, args.out)
        print(os.path.join(args.out, os.path.basename(tagged)))


PYPROJECT = """[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "duckdb-extension-partext"
version = "{version}"
description = "partext for DuckDB: plan how to split a dataset larger than memory (the extension binary for each supported DuckDB version)"
license = "MIT"
requires-python = ">=3.9"

[tool.setuptools]
packages = ["duckdb_extension_partext"]

[tool.setuptools.package-data]
duckdb_extension_partext = ["extensions/*/partext.duckdb_extension"]
"""


def repository(args):
    for v in args.versions:
        target = os.path.join(args.out, f"v{v}", args.platform)
        os.makedirs(target, exist_ok=True)
        with open(args.extension, "rb") as src, gzip.open(os.path.join(target, "partext.duckdb_extension.gz"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        print(os.path.join(target, "partext.duckdb_extension.gz"))


def install(args):
    import duckdb

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("INSTALL '" + os.path.abspath(args.extension).replace("'", "''") + "'")
    row = con.execute("SELECT install_path FROM duckdb_extensions() WHERE extension_name = 'partext'").fetchone()
    print(f"DuckDB {duckdb.__version__}: installed {row[0] if row else '(path unknown)'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["wheel", "repository", "install"])
    ap.add_argument("--extension", required=True)
    ap.add_argument("--platform")
    ap.add_argument("--versions", nargs="*", default=[])
    ap.add_argument("--out")
    ap.add_argument("--version", help="the wheel's version (default: Cargo.toml's); the binary keeps its own")
    args = ap.parse_args()
    {"wheel": wheel, "repository": repository, "install": install}[args.what](args)


if __name__ == "__main__":
    main()
