"""Form inputs carry maxlength and max attributes taken from model.limits."""

import re
from html.parser import HTMLParser

import pytest

from admin.rendering import TEMPLATES
from model import limits

STREAM_LIMITS = {
    "name": limits.STREAM_NAME_MAX,
    "url": limits.STREAM_URL_MAX,
    "info": limits.STREAM_INFO_MAX,
    "language": limits.LANGUAGE_MAX,
}
NEW_REGION_LIMITS = {
    "id": limits.REGION_ID_MAX,
    "title": limits.REGION_TITLE_MAX,
    "no_streams_text": limits.NO_STREAMS_TEXT_MAX,
}
REGION_LIMITS = {
    "title": limits.REGION_TITLE_MAX,
    "no_streams_text": limits.NO_STREAMS_TEXT_MAX,
}
SITE_LIMITS = {
    "title": limits.SITE_TITLE_MAX,
    "event": limits.SITE_EVENT_MAX,
    "announcement": limits.SITE_ANNOUNCEMENT_MAX,
}
# Comma-separated tags: the model limits each tag and the number of tags, not the
# length of the text typed, so the field has no maxlength.
WITHOUT_MAXLENGTH = {"tags"}
TEXT_TYPES = {"text", "url", "search"}
# A maxlength or max attribute written as a number in a template.
LITERAL_LIMIT = re.compile(r'\b(maxlength|max)="\d')


class FormFields(HTMLParser):
    """Collect the attributes of each input and textarea, by the action of its form."""

    def __init__(self):
        super().__init__()
        self.forms = {}
        self.action = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.action = attributes.get("action")
            self.forms.setdefault(self.action, {})
        elif tag in ("input", "textarea") and self.action is not None:
            attributes["tag"] = tag
            self.forms[self.action][attributes.get("name")] = attributes

    def handle_endtag(self, tag):
        if tag == "form":
            self.action = None


def form_fields(client, path):
    parser = FormFields()
    parser.feed(client.get(path).text)
    return parser.forms


def is_text(field):
    return field["tag"] == "textarea" or field.get("type", "text") in TEXT_TYPES


@pytest.mark.parametrize(
    ("path", "action", "expected"),
    [
        ("/regions/europe", "/regions/europe/streams", STREAM_LIMITS),
        ("/regions/europe", "/regions/europe/streams/mangoecho-gg", STREAM_LIMITS),
        ("/regions/europe", "/regions/europe", REGION_LIMITS),
        ("/", "/regions", NEW_REGION_LIMITS),
        ("/", "/site", SITE_LIMITS),
    ],
)
def test_text_fields_have_model_maxlength(moderator, path, action, expected):
    fields = form_fields(moderator, path)[action]

    for name, limit in expected.items():
        assert fields[name].get("maxlength") == str(limit), name


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/regions/europe", "/regions/europe/streams"),
        ("/regions/europe", "/regions/europe/streams/mangoecho-gg"),
        ("/regions/europe", "/regions/europe"),
        ("/", "/regions"),
        ("/", "/site"),
    ],
)
def test_every_text_field_has_maxlength(moderator, path, action):
    fields = form_fields(moderator, path)[action]
    text_fields = [name for name, field in fields.items() if is_text(field)]

    assert text_fields
    for name in text_fields:
        if name not in WITHOUT_MAXLENGTH:
            assert "maxlength" in fields[name], name


@pytest.mark.parametrize(
    "action", ["/regions/europe/streams", "/regions/europe/streams/mangoecho-gg"]
)
def test_score_fields_have_model_max(moderator, action):
    fields = form_fields(moderator, "/regions/europe")[action]

    assert fields["score_0"]["max"] == str(limits.SCORE_MAX)
    assert fields["score_1"]["max"] == str(limits.SCORE_MAX)


@pytest.mark.parametrize(
    ("path", "action"), [("/", "/regions"), ("/regions/europe", "/regions/europe")]
)
def test_order_field_has_model_max(moderator, path, action):
    fields = form_fields(moderator, path)[action]

    assert fields["order"]["max"] == str(limits.REGION_ORDER_MAX)


def test_templates_take_limits_from_model():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()

        assert LITERAL_LIMIT.search(text) is None, template.name
