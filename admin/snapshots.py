"""Import and export the whole state as JSON, in the format of the demo snapshot."""

import json
from dataclasses import dataclass
from pathlib import Path

from admin.errors import InputError
from model.validate import validate_state


def read_json(path: Path):
    """Return the parsed JSON in `path`, or raise InputError saying what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: not UTF-8 text") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON in {path} at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:
        raise InputError(
            f"invalid JSON in {path}: arrays or objects nested too deeply"
        ) from None


@dataclass(frozen=True)
class ImportResult:
    """The stored state after an import, and whether the import committed a version."""

    state: dict
    changed: bool


def import_state(store, user, path: Path) -> ImportResult:
    """Replace the stored state with the snapshot in `path`.

    The whole file is validated first, so a bad file stores nothing. Stream ids and
    `version` in the file are optional: streams without ids get them from their names,
    and the stored version always moves forward from the current one. A file that
    matches the current state commits nothing, and the result has `changed` False.
    """
    raw = read_json(path)
    if isinstance(raw, dict):
        raw = {key: value for key, value in raw.items() if key != "version"}
    state = validate_state(raw)
    base_versions = []

    def replace(current):
        base_versions.append(current["version"])
        return state

    summary = f"imported {Path(path).name}"
    new = store.apply(replace, user, action="import", summary=summary)
    # Store.apply returns the state it read when the edit changes nothing, and a
    # state one version past it after a commit. It retries after a concurrent
    # commit, so the last recorded version is from the attempt that returned.
    return ImportResult(new, changed=new["version"] != base_versions[-1])


def export_state(store) -> str:
    """Return the current state as indented JSON that `import_state` accepts."""
    return json.dumps(store.read(), indent=2, ensure_ascii=False) + "\n"
