"""Render the viewer page's index.html from the build manifest and a state.

build.py and the prerender service both call `PageRenderer.render`, so a viewer
gets the same HTML from either. The manifest records what only the build has: the
hashed asset URLs, the PyScript configs, the CSP and the page options.
"""

import importlib.util
import json
from pathlib import Path

import jinja2

from model.markdown import parse as parse_markdown
from model.urls import display_url

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
TEMPLATE = "index.html"
MANIFEST_NAME = "build-manifest.json"
MANIFEST_FORMAT = 2
MANIFEST_KEYS = ("format", "title", "csp", "urls", "options")


class ManifestError(ValueError):
    """A build manifest that is missing, unreadable or from another build format."""


def load_site_module(name):
    """Load a page module that needs no browser (render, selection, status) by path.

    A private module name keeps it apart from installed packages of the same name,
    such as the bootstrap function's `bootstrap` package.
    """
    spec = importlib.util.spec_from_file_location(f"_site_{name}", SITE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_manifest(manifest, source):
    """Return `manifest` if it has every key this renderer reads, else raise."""
    if not isinstance(manifest, dict):
        raise ManifestError(f"invalid build manifest {source}: expected a JSON object")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ManifestError(
            f"invalid build manifest {source}: missing {', '.join(missing)}; "
            "rebuild the site with build.py"
        )
    if manifest["format"] != MANIFEST_FORMAT:
        raise ManifestError(
            f"invalid build manifest {source}: format {manifest['format']!r}, "
            f"expected {MANIFEST_FORMAT}; rebuild the site with this version of build.py"
        )
    return manifest


def parse_manifest(data, source):
    """Parse manifest JSON (bytes or text) read from `source` (named in errors)."""
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise ManifestError(
            f"invalid build manifest {source}: not JSON ({exc})"
        ) from None
    return check_manifest(manifest, source)


def read_manifest(path):
    """Read the manifest that build.py wrote next to index.html."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ManifestError(
            f"cannot read build manifest {path}: {exc.strerror}; build the site first"
        ) from None
    return parse_manifest(data, path)


class PageRenderer:
    """The jinja2 environment of site/index.html, created once per process."""

    def __init__(self):
        self._render = load_site_module("render")
        self._selection = load_site_module("selection")
        self._status = load_site_module("status")
        self._filters = load_site_module("filters")
        self._template = self._environment().get_template(TEMPLATE)

    def _environment(self):
        render = self._render
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(SITE),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.globals.update(
            parse_markdown=parse_markdown,
            display_url=display_url,
            is_web_url=render.is_web_url,
            score_text=render.score_text,
            link_rel=render.LINK_REL,
            token_tags=render.TOKEN_TAGS,
            default_empty_text=render.DEFAULT_EMPTY_TEXT,
            no_regions_text=render.NO_REGIONS_TEXT,
        )
        return environment

    def render(self, manifest, state=None):
        """Return the page HTML; without a state it shows a loading note."""
        status = self._status
        blank_site = {"title": manifest["title"], "event": "", "announcement": ""}
        regions = state["regions"] if state else None
        return self._template.render(
            site=state["site"] if state else blank_site,
            regions=regions,
            selected=self._selection.choose_region(regions) if state else None,
            version=state["version"] if state else None,
            state=state,
            languages=self._filters.languages(regions or ()),
            tags=self._filters.tags(regions or ()),
            status_state=status.CONNECTING,
            status_text=status.status_text(status.CONNECTING),
            csp=manifest["csp"],
            urls=manifest["urls"],
            options=manifest["options"],
        )
