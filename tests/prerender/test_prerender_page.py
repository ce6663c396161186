"""prerender/page.py: the same page as build.py, from the manifest and a state."""

import json

import pytest
from prerender_support import load_build_module

from prerender.page import (
    MANIFEST_NAME,
    ManifestError,
    check_manifest,
    parse_manifest,
    read_manifest,
)


def test_render_matches_build_with_state(demo_state, renderer, tmp_path):
    build = load_build_module()
    state_path = tmp_path / "state.json"
    state_path.write_text(json.dumps(demo_state))
    out = tmp_path / "dist"
    build.build(build.BuildConfig(out=out, state_path=state_path))

    manifest = read_manifest(out / MANIFEST_NAME)

    assert renderer.render(manifest, demo_state) == (out / "index.html").read_text()


def test_render_embeds_state_and_version(demo_state, manifest, renderer):
    html = renderer.render(manifest, demo_state)

    assert f'data-version="{demo_state["version"]}"' in html
    assert "Prerender tests" in html
    assert '<script type="application/json" id="qh-state">' in html
    assert 'class="loading"' not in html


def test_render_keeps_hashed_asset_urls(demo_state, manifest, renderer):
    html = renderer.render(manifest, demo_state)

    assert manifest["urls"]["pyscript"] in html
    assert manifest["urls"]["preload_script"] in html
    assert manifest["urls"]["stylesheet"] in html


def test_embedded_state_cannot_close_script(manifest, renderer, demo_state):
    from model import edits

    state = edits.set_site(demo_state, {"announcement": "</script><script>alert(1)"})
    state["version"] = demo_state["version"]

    html = renderer.render(manifest, state)

    assert "</script><script>alert(1)" not in html
    assert html.count("</script>") == html.count("<script")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "not JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"format": 1}', "missing title, csp, urls, options"),
        (
            b'{"format": 9, "title": "", "csp": "", "urls": {}, "options": {}}',
            "format 9, expected 2",
        ),
    ],
    ids=["not-json", "not-object", "missing-keys", "other-format"],
)
def test_bad_manifest_names_the_problem(data, message):
    with pytest.raises(ManifestError, match=message) as caught:
        parse_manifest(data, "dist/build-manifest.json")

    assert "dist/build-manifest.json" in str(caught.value)


def test_missing_manifest_says_build_first(tmp_path):
    with pytest.raises(ManifestError, match="build the site first"):
        read_manifest(tmp_path / MANIFEST_NAME)


def test_check_manifest_accepts_build_output(manifest):
    assert check_manifest(manifest, "built") is manifest
