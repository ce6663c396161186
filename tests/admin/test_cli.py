import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from admin_helpers import EDITS, SNAPSHOT

from admin.cli import main
from admin.users import UserStore

EXPECTED_COUNTS = {
    "north-america": 2,
    "south-america": 3,
    "europe": 13,
    "cis": 5,
    "china": 8,
    "sea": 10,
}


@pytest.fixture
def run(redis_url, capsys):
    """Run `qualifiers ARGS` in-process; return (exit status, stdout, stderr)."""

    def run(*args, stdin=""):
        sys.stdin = io.StringIO(stdin)
        try:
            status = main(["--redis-url", redis_url, "--as-user", "tester", *args])
        finally:
            sys.stdin = sys.__stdin__
        out, err = capsys.readouterr()
        return status, out, err

    return run


def stream_counts(state):
    return {region["id"]: len(region["streams"]) for region in state["regions"]}


def test_import_and_replay_demo_day(run, store):
    assert run("import", str(SNAPSHOT))[0] == 0

    status, out, err = run("replay", str(EDITS), "--speed", "1000000")

    assert status == 0, err
    assert "applied 600 edits" in out
    assert stream_counts(store.read()) == EXPECTED_COUNTS
    assert {entry["user"] for entry in store.audit(after=1)} == {"tester"}


def test_export_import_round_trip(run, store, tmp_path):
    run("import", str(SNAPSHOT))
    status, exported, _ = run("export")
    assert status == 0
    path = tmp_path / "exported.json"
    path.write_text(exported)
    run("stream", "remove", "europe", "MangoEcho_gg")

    status, _, err = run("import", str(path))

    assert status == 0, err
    restored = store.read()
    first = json.loads(exported)
    assert restored["version"] == 3
    assert {**restored, "version": 0} == {**first, "version": 0}


def test_import_of_unchanged_state_adds_no_version(run, store, tmp_path):
    run("import", str(SNAPSHOT))
    path = tmp_path / "exported.json"
    path.write_text(run("export")[1])

    status, _, _ = run("import", str(path))

    assert status == 0
    assert store.read()["version"] == 1


def test_import_of_unchanged_state_says_so(run, store):
    run("import", str(SNAPSHOT))
    audit_entries = len(store.audit())

    status, out, err = run("import", str(SNAPSHOT))

    assert status == 0, err
    assert out == (
        f"no changes: {SNAPSHOT.name} matches version 1, so nothing was imported\n"
    )
    assert err == ""
    assert len(store.audit()) == audit_entries


def test_import_reports_new_version(run, store):
    status, out, err = run("import", str(SNAPSHOT))

    assert status == 0, err
    assert out == "imported 6 regions and 18 streams as version 1\n"


def test_import_keeps_demo_content(run, store):
    run("import", str(SNAPSHOT))
    state = store.read()
    raw = json.loads(SNAPSHOT.read_text())

    assert state["site"]["title"] == raw["site"]["title"]
    assert [region["id"] for region in state["regions"]] == [
        region["id"] for region in raw["regions"]
    ]
    assert state["regions"][0]["streams"][0]["url"] == "https://twitch.tv/rapierlanetv"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda raw: raw["regions"][0]["streams"][0].update(url="javascript:x"), "url"),
        (lambda raw: raw["regions"][1].update(id="Not A Slug"), "id"),
        (lambda raw: raw["regions"][0]["streams"][0].update(score=[1]), "score"),
        (lambda raw: raw["site"].update(title=""), "title"),
    ],
)
def test_import_invalid_names_field_and_stores_nothing(
    run, store, tmp_path, change, field
):
    raw = json.loads(SNAPSHOT.read_text())
    change(raw)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))

    status, out, err = run("import", str(path))

    assert status == 1
    assert out == ""
    assert err.startswith("qualifiers: error: invalid ")
    assert field in err
    assert len(err.strip().splitlines()) == 1
    assert store.read()["version"] == 0


def test_import_malformed_json_names_position(run, store, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"site": {"title": "x"},\n  "regions": [}')

    status, _, err = run("import", str(path))

    assert status == 1
    assert "line 2" in err
    assert store.read()["version"] == 0


def test_import_missing_file(run, tmp_path):
    status, _, err = run("import", str(tmp_path / "absent.json"))

    assert status == 1
    assert "cannot read" in err


def test_replay_malformed_line_applies_nothing(run, store, tmp_path):
    run("import", str(SNAPSHOT))
    lines = EDITS.read_text().splitlines()[:5]
    lines.append('{"t": 99, "region": "sea", "action": "rename", "name": "x"}')
    path = tmp_path / "edits.jsonl"
    path.write_text("\n".join(lines) + "\n")

    status, _, err = run("replay", str(path), "--speed", "1000000")

    assert status == 1
    assert "line 6" in err
    assert "'rename'" in err
    assert store.read()["version"] == 1


def test_replay_rejects_zero_speed(run, store):
    status, _, err = run("replay", str(EDITS), "--speed", "0")

    assert status == 1
    assert "--speed" in err


def test_stream_add_update_remove(run, store):
    run("import", str(SNAPSHOT))

    status, _, err = run(
        "stream",
        "add",
        "cis",
        "NewCaster",
        "--url",
        "twitch.tv/newcaster",
        "--info",
        "**Final**",
        "--score",
        "1",
        "2",
        "--language",
        "Russian",
        "--tags",
        "bo3, final",
    )
    assert status == 0, err
    added = next(
        s for s in store.read()["regions"][3]["streams"] if s["name"] == "NewCaster"
    )
    assert added["url"] == "https://twitch.tv/newcaster"
    assert added["score"] == [1, 2]
    assert added["tags"] == ["bo3", "final"]

    status, _, err = run(
        "stream",
        "update",
        "cis",
        "newcaster",
        "--score",
        "2",
        "2",
        "--rename",
        "NewCasterTV",
    )
    assert status == 0, err
    names = [s["name"] for s in store.read()["regions"][3]["streams"]]
    assert "NewCasterTV" in names
    updated = next(
        s for s in store.read()["regions"][3]["streams"] if s["id"] == added["id"]
    )
    assert updated["score"] == [2, 2]

    status, _, err = run("stream", "remove", "cis", "NewCasterTV")
    assert status == 0, err
    assert added["id"] not in [s["id"] for s in store.read()["regions"][3]["streams"]]


def test_stream_remove_prints_stored_name(run, store):
    run("import", str(SNAPSHOT))

    status, out, err = run("stream", "remove", "europe", " mangoecho_GG ")

    assert status == 0, err
    assert out == "removed stream MangoEcho_gg from europe, now at version 2\n"


def test_stream_add_bad_url_stores_nothing(run, store):
    run("import", str(SNAPSHOT))

    status, _, err = run("stream", "add", "cis", "X", "--url", "ftp://example.com/x")

    assert status == 1
    assert "url" in err
    assert "'ftp://example.com/x'" in err
    assert store.read()["version"] == 1


def test_stream_add_bad_score_names_field(run, store):
    run("import", str(SNAPSHOT))

    status, _, err = run(
        "stream", "add", "cis", "X", "--url", "twitch.tv/x", "--score", "one", "0"
    )

    assert status == 1
    assert "score[0]" in err
    assert "'one'" in err
    assert store.read()["version"] == 1


def test_stream_update_unknown_name(run, store):
    run("import", str(SNAPSHOT))

    status, _, err = run("stream", "update", "cis", "Nobody", "--score", "1", "0")

    assert status == 1
    assert "'Nobody'" in err
    assert "not found" in err


def test_stream_update_without_changes(run, store):
    run("import", str(SNAPSHOT))

    status, _, err = run("stream", "update", "cis", "Whoever")

    assert status == 1
    assert "nothing to update" in err


def test_user_add_and_list(run, client_redis):
    status, _, err = run(
        "user",
        "add",
        "ada",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert status == 0, err
    run(
        "user",
        "add",
        "moe",
        "--role",
        "moderator",
        "--password-stdin",
        stdin="another password\n",
    )

    status, out, _ = run("user", "list")

    assert status == 0
    assert out.splitlines() == ["ada\tadmin", "moe\tmoderator"]
    assert UserStore(client_redis).authenticate("ada", "a long password") is not None


def test_user_add_short_password_stores_nothing(run, client_redis):
    status, _, err = run(
        "user", "add", "ada", "--role", "admin", "--password-stdin", stdin="short\n"
    )

    assert status == 1
    assert "password" in err
    assert "short" not in err
    assert UserStore(client_redis).list_users() == []


def test_user_add_bad_name(run, client_redis):
    status, _, err = run(
        "user",
        "add",
        "no spaces",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long password\n",
    )

    assert status == 1
    assert "invalid name 'no spaces'" in err
    assert UserStore(client_redis).list_users() == []


def test_user_add_bad_role_is_usage_error(run):
    with pytest.raises(SystemExit) as raised:
        run("user", "add", "ada", "--role", "owner", "--password-stdin")

    assert raised.value.code == 2


def test_unreachable_redis_is_one_line_error(capsys):
    from stack.services import free_port

    status = main(["--redis-url", f"redis://127.0.0.1:{free_port()}/0", "export"])

    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("qualifiers: error: ")
    assert len(err.strip().splitlines()) == 1


def test_service_subcommand_passes_arguments(monkeypatch):
    import types

    calls = []
    fake = types.SimpleNamespace(main=lambda argv: calls.append(argv) or 0)
    monkeypatch.setitem(sys.modules, "bridge.service", fake)

    assert main(["bridge", "--once", "-v"]) == 0
    assert calls == [["--once", "-v"]]


def test_console_script_exports(redis_url, store):
    store.replace(json.loads(SNAPSHOT.read_text()), user="setup")
    script = Path(sys.executable).with_name("qualifiers")

    result = subprocess.run(
        [str(script), "export"],
        env={"REDIS_URL": redis_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["version"] == 1
