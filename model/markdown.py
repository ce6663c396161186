"""Light markdown for info text: **bold**, *italic*, ~~strike~~ and [text](url).

`parse` returns a list of tokens, never HTML. Renderers build DOM nodes or escaped
template output from the tokens:

    {"type": "text", "text": "..."}
    {"type": "bold" | "italic" | "strike", "children": [tokens]}
    {"type": "link", "href": "https://...", "children": [tokens]}

A link whose target is not http or https, after decoding character references and
removing the whitespace browsers ignore, stays plain text.
"""

MAX_DEPTH = 4
EMPHASIS = (("**", "bold"), ("~~", "strike"), ("*", "italic"), ("_", "italic"))
NAMED_REFERENCES = {
    "amp": "&",
    "lt": "<",
    "gt": ">",
    "quot": '"',
    "apos": "'",
    "colon": ":",
    "sol": "/",
    "tab": "\t",
    "newline": "\n",
    "nbsp": " ",
    "lpar": "(",
    "rpar": ")",
    "period": ".",
    "num": "#",
    "quest": "?",
    "equals": "=",
}


def _decode_reference(body):
    if body.startswith("#x") or body.startswith("#X"):
        digits, base = body[2:], 16
    elif body.startswith("#"):
        digits, base = body[1:], 10
    else:
        return NAMED_REFERENCES.get(body.lower())
    try:
        code = int(digits, base)
    except ValueError:
        return None
    if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


def decode_references(text):
    """Decode HTML character references (`&#106;`, `&#x6A;`, `&colon;`)."""
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            end = text.find(";", i + 1, i + 12)
            decoded = _decode_reference(text[i + 1 : end]) if end != -1 else None
            if decoded is not None:
                out.append(decoded)
                i = end + 1
                continue
        out.append(char)
        i += 1
    return "".join(out)


def safe_href(raw):
    """Return the link target if it is an http or https URL, else None."""
    text = decode_references(raw)
    # Browsers drop ASCII tabs and line breaks anywhere in a URL and trim controls
    # and spaces at both ends, so `java\tscript:` is `javascript:` to them.
    kept = []
    for char in text:
        if char not in "\t\n\r":
            kept.append(char)
    text = "".join(kept)
    while text and ord(text[0]) <= 0x20:
        text = text[1:]
    while text and ord(text[-1]) <= 0x20:
        text = text[:-1]
    lower = text.lower()
    if not (lower.startswith("http://") or lower.startswith("https://")):
        return None
    for char in text:
        if ord(char) <= 0x20 or char in "\"'<>\\`":
            return None
    if len(text) <= len("https://"):
        return None
    return text


def _append_text(tokens, text):
    if not text:
        return
    if tokens and tokens[-1]["type"] == "text":
        tokens[-1]["text"] += text
    else:
        tokens.append({"type": "text", "text": text})


def _match_link(text, i, depth):
    close = text.find("](", i + 1)
    if close == -1 or "\n" in text[i:close]:
        return None
    end = text.find(")", close + 2)
    if end == -1:
        return None
    label = text[i + 1 : close]
    href = safe_href(text[close + 2 : end])
    if href is None or not label.strip():
        return None
    children = _parse(label, depth + 1, links=False)
    return {"type": "link", "href": href, "children": children}, end + 1


def _is_word(text, index):
    if index < 0 or index >= len(text):
        return False
    char = text[index]
    return char.isalpha() or char.isdigit()


def _match_emphasis(text, i, depth):
    for marker, kind in EMPHASIS:
        if not text.startswith(marker, i):
            continue
        start = i + len(marker)
        end = text.find(marker, start)
        if marker == "*":
            while end != -1 and text.startswith("**", end):
                end = text.find(marker, end + 2)
        if end == -1:
            return None
        if marker == "_" and (_is_word(text, i - 1) or _is_word(text, end + 1)):
            return None  # snake_case_names are not emphasis
        inner = text[start:end]
        if not inner.strip() or inner[0] == " " or inner[-1] == " ":
            return None
        return {"type": kind, "children": _parse(inner, depth + 1)}, end + len(marker)
    return None


def _parse(text, depth, links=True):
    tokens = []
    i = 0
    plain_start = 0
    while i < len(text):
        char = text[i]
        match = None
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "*_~[]()\\":
            _append_text(tokens, text[plain_start:i])
            _append_text(tokens, text[i + 1])
            i += 2
            plain_start = i
            continue
        if depth < MAX_DEPTH:
            if char == "[" and links:
                match = _match_link(text, i, depth)
            elif char in "*_~":
                match = _match_emphasis(text, i, depth)
        if match is None:
            i += 1
            continue
        _append_text(tokens, text[plain_start:i])
        tokens.append(match[0])
        i = plain_start = match[1]
    _append_text(tokens, text[plain_start:])
    return tokens


def parse(text):
    """Parse info text into tokens (see the module docstring)."""
    return _parse(text or "", 0)


def plain_text(tokens):
    """Return the visible text of `tokens`, without markup."""
    parts = []
    for token in tokens:
        if token["type"] == "text":
            parts.append(token["text"])
        else:
            parts.append(plain_text(token["children"]))
    return "".join(parts)
