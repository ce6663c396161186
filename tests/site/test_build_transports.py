"""build.py: the transport order, relay URLs and fallback settings of the page."""

import pytest

RELAY = "https://relay.example.org/events"


def config_from(build_module, argv, environ=None):
    return build_module.load_config(build_module.parse_args(argv), environ or {})


def test_defaults_prefer_mqtt(build_module):
    options = config_from(build_module, []).page_options()

    assert options["transports"] == ["mqtt", "sse"]
    assert options["relay_urls"] == []
    assert options["fallback_after_failures"] == 3
    assert options["preferred_retry_seconds"] == 300


def test_arguments_set_transport_options(build_module):
    config = config_from(
        build_module,
        [
            "--transports",
            "sse",
            "--relay-url",
            RELAY,
            "--relay-url",
            "/events",
            "--fallback-after-failures",
            "5",
            "--preferred-retry-seconds",
            "60",
        ],
    )

    options = config.page_options()
    assert options["transports"] == ["sse"]
    assert options["relay_urls"] == [RELAY, "/events"]
    assert options["fallback_after_failures"] == 5
    assert options["preferred_retry_seconds"] == 60


def test_environment_sets_transport_options(build_module):
    environ = {
        "TRANSPORTS": "SSE,mqtt",
        "RELAY_URLS": f"{RELAY}, /events",
        "FALLBACK_AFTER_FAILURES": "2",
        "PREFERRED_RETRY_SECONDS": "90",
    }

    config = config_from(build_module, [], environ)

    assert config.transports == ("sse", "mqtt")
    assert config.relay_urls == (RELAY, "/events")
    assert config.fallback_after_failures == 2
    assert config.preferred_retry_seconds == 90


def test_argument_beats_environment_for_relays(build_module):
    config = config_from(
        build_module, ["--relay-url", "/events"], {"RELAY_URLS": RELAY}
    )

    assert config.relay_urls == ("/events",)


def test_relay_origins_join_connect_src(build_module):
    config = config_from(
        build_module,
        [
            "--relay-url",
            RELAY,
            "--relay-url",
            "/events",
            "--connect-src",
            "wss://b.example",
        ],
    )

    policy = build_module.content_security_policy(config)

    directive = next(
        part for part in policy.split("; ") if part.startswith("connect-src")
    )
    assert directive == "connect-src 'self' https://relay.example.org wss://b.example"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--transports", "sse,websocket"], "invalid TRANSPORTS 'sse,websocket'"),
        (["--transports", "sse,sse"], "invalid TRANSPORTS 'sse,sse'"),
        (["--transports", ","], "invalid TRANSPORTS ','"),
        (
            ["--relay-url", "ftp://relay.example"],
            "invalid relay URL 'ftp://relay.example'",
        ),
        (["--relay-url", "//relay.example/events"], "invalid relay URL"),
        (["--relay-url", "https://r.example/x'; script-src *"], "invalid relay URL"),
        (["--fallback-after-failures", "0"], "invalid FALLBACK_AFTER_FAILURES='0'"),
        (["--fallback-after-failures", "two"], "invalid FALLBACK_AFTER_FAILURES='two'"),
        (["--preferred-retry-seconds", "-1"], "invalid PREFERRED_RETRY_SECONDS='-1'"),
    ],
)
def test_bad_transport_input_is_rejected(build_module, tmp_path, capsys, args, message):
    code = build_module.main(["--out", str(tmp_path / "out"), *args])

    assert code == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
