"""site/saved.py: the state kept in localStorage for the next visit."""

import json

import pytest
from page_support import ROOT, load_module

from model import edits


class Storage:
    def __init__(self, text):
        self.text = text

    def getItem(self, key):
        return self.text

    def setItem(self, key, value):
        self.text = value


class Console:
    def __init__(self):
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


class StorageError(Exception):
    pass


@pytest.fixture(scope="module")
def saved_module():
    return load_module(ROOT / "site" / "saved.py", "qh_site_saved")


def saved_state(saved_module, state):
    console = Console()
    saved = saved_module.SavedState(Storage(json.dumps(state)), console, StorageError)
    return saved, console


def invalid_state(version):
    state = dict(edits.empty_state("Hub"), version=version)
    state["regions"] = [{"id": "Not A Slug", "title": "x", "streams": []}]
    return state


def test_newer_state_is_checked_and_returned(saved_module):
    state = dict(edits.empty_state("Hub"), version=6)
    saved, console = saved_state(saved_module, state)

    assert saved.load(newer_than=5) == state
    assert console.warnings == []


def test_older_state_is_skipped_unchecked(saved_module):
    saved, console = saved_state(saved_module, invalid_state(5))

    assert saved.load(newer_than=5) is None
    assert console.warnings == []


def test_invalid_newer_state_is_ignored(saved_module):
    saved, console = saved_state(saved_module, invalid_state(6))

    assert saved.load(newer_than=5) is None
    assert len(console.warnings) == 1
    assert "Not A Slug" in console.warnings[0]


@pytest.mark.parametrize("version", ["7", True, None])
def test_odd_version_goes_to_the_check(saved_module, version):
    state = dict(edits.empty_state("Hub"), version=version)
    saved, console = saved_state(saved_module, state)

    assert saved.load(newer_than=5) is None
    assert len(console.warnings) == 1
    assert "version" in console.warnings[0]


def test_without_page_state_every_state_is_checked(saved_module):
    saved, console = saved_state(saved_module, invalid_state(1))

    assert saved.load() is None
    assert len(console.warnings) == 1
