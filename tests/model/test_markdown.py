import pytest

from model.markdown import parse, plain_text, safe_href


def text(value):
    return {"type": "text", "text": value}


def test_parse_emphasis_and_links():
    tokens = parse("**UB R1** A vs *B* ~~late~~ [bracket](https://liquipedia.net/x)")
    assert tokens == [
        {"type": "bold", "children": [text("UB R1")]},
        text(" A vs "),
        {"type": "italic", "children": [text("B")]},
        text(" "),
        {"type": "strike", "children": [text("late")]},
        text(" "),
        {
            "type": "link",
            "href": "https://liquipedia.net/x",
            "children": [text("bracket")],
        },
    ]


def test_parse_nested_emphasis():
    assert parse("**a *b* c**")[0]["children"][1] == {
        "type": "italic",
        "children": [text("b")],
    }


def test_parse_leaves_unclosed_markers_as_text():
    assert parse("2 * 3 and **open") == [text("2 * 3 and **open")]


def test_parse_snake_case_is_not_italic():
    assert parse("snake_case_name") == [text("snake_case_name")]


def test_parse_escapes():
    assert parse(r"\*not italic\*") == [text("*not italic*")]


def test_parse_keeps_html_as_text():
    source = "<img src=x onerror=alert(1)><script>alert(1)</script>"
    assert parse(source) == [text(source)]


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "&#X6a;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "//evil.example",
        "/relative",
        "https://",
        'https://x.example/"onclick="alert(1)',
    ],
)
def test_parse_refuses_unsafe_links(target):
    tokens = parse("[click](" + target + ")")
    assert all(token["type"] == "text" for token in tokens)
    assert plain_text(tokens) == "[click](" + target + ")"


def test_safe_href_decodes_references_and_trims():
    assert (
        safe_href(" &#104;ttps://x.example/a?b=1&amp;c=2 ")
        == "https://x.example/a?b=1&c=2"
    )


def test_link_text_cannot_hold_links():
    tokens = parse("[[a](https://a.example)](https://b.example)")
    links = [token for token in tokens if token["type"] == "link"]
    assert len(links) == 1


def test_parse_depth_is_bounded():
    deep = "**" * 50 + "x" + "**" * 50
    assert plain_text(parse(deep))  # terminates and returns the text
