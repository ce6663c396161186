"""prerender/config.py: settings from the environment, bad values named."""

from pathlib import Path

import pytest

from prerender.config import Config, ConfigError


def test_folder_settings_from_env():
    config = Config.from_env(
        {
            "REDIS_URL": "redis://127.0.0.1:7000/1",
            "PRERENDER_DIST": "/srv/site",
            "PRERENDER_MIN_INTERVAL_SECONDS": "2",
        }
    )

    assert config.redis_url == "redis://127.0.0.1:7000/1"
    assert config.dist == Path("/srv/site")
    assert config.bucket is None
    assert config.min_interval_seconds == 2.0
    assert config.recheck_seconds == 30.0


def test_bucket_settings_from_env():
    config = Config.from_env({"PRERENDER_BUCKET": "site", "PRERENDER_KEY": "live.html"})

    assert config.bucket == "site"
    assert config.key == "live.html"
    assert config.manifest_key == "build-manifest.json"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "set exactly one of PRERENDER_DIST"),
        ({"PRERENDER_DIST": "/a", "PRERENDER_BUCKET": "b"}, "set exactly one"),
        (
            {"PRERENDER_DIST": "/a", "PRERENDER_RECHECK_SECONDS": "soon"},
            "invalid PRERENDER_RECHECK_SECONDS='soon'",
        ),
        (
            {"PRERENDER_DIST": "/a", "PRERENDER_MIN_INTERVAL_SECONDS": "-1"},
            "invalid PRERENDER_MIN_INTERVAL_SECONDS='-1'",
        ),
        (
            {"PRERENDER_BUCKET": "b", "PRERENDER_KEY": "/index.html"},
            "invalid PRERENDER_KEY",
        ),
    ],
    ids=["neither", "both", "not-a-number", "negative", "absolute-key"],
)
def test_bad_settings_are_named(environ, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(environ)
