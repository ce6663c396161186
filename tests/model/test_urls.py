import pytest

from model.errors import ValidationError
from model.urls import display_url, normalise_url


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("twitch.tv/name", "https://twitch.tv/name"),
        ("www.twitch.tv/name", "https://twitch.tv/name"),
        ("go.twitch.tv/name", "https://twitch.tv/name"),
        ("https://go.twitch.tv/name", "https://twitch.tv/name"),
        ("HTTPS://Twitch.TV/Name", "https://twitch.tv/Name"),
        ("http://kick.com/x/", "http://kick.com/x/"),
        ("  youtube.com/@x/live ", "https://www.youtube.com/@x/live"),
        ("//twitch.tv/name", "https://twitch.tv/name"),
        ("twitch.tv:443/name", "https://twitch.tv:443/name"),
        ("twitch.tv/", "https://twitch.tv"),
        ("twitch.tv/ñame", "https://twitch.tv/%C3%B1ame"),
    ],
)
def test_normalise_accepts_shorthand(typed, stored):
    assert normalise_url(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>",
        "vbscript:msgbox",
        "ftp://twitch.tv/x",
        "https://user@evil.example/x",
        "twitch",
        "https://twitch.tv/a b",
        'https://twitch.tv/"onmouseover=x',
        "https://tw<itch.tv/",
        "",
        "https://",
        "https://-bad-.tv/",
        "https://twitch.tv/" + "a" * 2000,
    ],
)
def test_normalise_rejects_non_http(typed):
    with pytest.raises(ValidationError) as caught:
        normalise_url(typed, "regions[europe].streams[x].url")
    assert caught.value.field == "regions[europe].streams[x].url"
    assert "http" in str(caught.value) or "characters" in str(caught.value)


@pytest.mark.parametrize("typed", ["twitch.tv/<b>", "twitch.tv/a b", "twitch.tv/{x}"])
def test_unsafe_character_error_names_it(typed):
    with pytest.raises(ValidationError) as caught:
        normalise_url(typed)

    allowed = caught.value.allowed
    unsafe = next(char for char in typed if char in "<> {}")
    assert (unsafe == " " and "spaces" in allowed) or unsafe in allowed, allowed


def test_normalise_rejects_non_text():
    with pytest.raises(ValidationError, match="url"):
        normalise_url(42)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("https://twitch.tv/name", "twitch.tv/name"),
        ("https://www.youtube.com/@x/live", "youtube.com/@x/live"),
        ("http://kick.com/x/", "kick.com/x"),
    ],
)
def test_display_drops_scheme(stored, shown):
    assert display_url(stored) == shown
