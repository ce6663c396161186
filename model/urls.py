"""Stream URLs: only http and https, with the shorthand moderators type normalised."""

from model.errors import ValidationError
from model.limits import STREAM_URL_MAX

# Hosts that are aliases of one canonical host.
HOST_ALIASES = {
    "www.twitch.tv": "twitch.tv",
    "go.twitch.tv": "twitch.tv",
    "m.twitch.tv": "twitch.tv",
    "m.youtube.com": "www.youtube.com",
    "youtube.com": "www.youtube.com",
    "www.kick.com": "kick.com",
}
ALLOWED_SCHEMES = ("http", "https")
HOST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-."
# Printable ASCII that a URL's path, query or fragment must not contain unencoded.
UNSAFE_CHARS = ' "<>\\^`{|}'
UNSAFE_TEXT = 'spaces, control characters or any of " < > \\ ^ ` { | }'
ALLOWED = "an http or https address such as https://twitch.tv/name or twitch.tv/name"


def _split_scheme(text):
    colon = text.find(":")
    if colon <= 0:
        return None, text
    head = text[:colon]
    for char in head:
        if not (char.isalpha() or char.isdigit() or char in "+-."):
            return None, text
    if "." in head and not text[colon + 1 :].startswith("//"):
        return None, text  # `twitch.tv:443/x` is a host with a port
    if head[0].isdigit():
        return None, text
    return head.lower(), text[colon + 1 :]


def _percent_encode(text):
    out = []
    for char in text:
        if ord(char) < 0x80:
            out.append(char)
            continue
        for byte in char.encode("utf-8"):
            out.append(
                "%" + "0123456789ABCDEF"[byte >> 4] + "0123456789ABCDEF"[byte & 15]
            )
    return "".join(out)


def _check_host(host, field, raw):
    name = host
    colon = host.rfind(":")
    if colon != -1:
        port = host[colon + 1 :]
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValidationError(field, raw, ALLOWED)
        name = host[:colon]
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253:
        raise ValidationError(field, raw, ALLOWED)
    for label in labels:
        if not label or label[0] == "-" or label[-1] == "-":
            raise ValidationError(field, raw, ALLOWED)
        for char in label:
            if char not in HOST_CHARS:
                raise ValidationError(field, raw, ALLOWED)


def normalise_url(raw, field="url"):
    """Return the canonical form of a stream URL, or raise ValidationError.

    `twitch.tv/name`, `www.twitch.tv/name` and `go.twitch.tv/name` all become
    `https://twitch.tv/name`. Anything but http and https is rejected.
    """
    if not isinstance(raw, str):
        raise ValidationError(field, raw, ALLOWED)
    text = raw.strip()
    scheme, rest = _split_scheme(text)
    if scheme is None:
        scheme, rest = "https", "//" + text.lstrip("/")
    if scheme not in ALLOWED_SCHEMES or not rest.startswith("//"):
        raise ValidationError(field, raw, ALLOWED)
    rest = rest[2:]

    end = len(rest)
    for mark in "/?#":
        index = rest.find(mark)
        if index != -1 and index < end:
            end = index
    host, tail = rest[:end].lower(), rest[end:]
    if "@" in host:
        raise ValidationError(field, raw, ALLOWED + ", without a user name")
    _check_host(host, field, raw)
    host = HOST_ALIASES.get(host, host)

    tail = _percent_encode(tail)
    for char in tail:
        if char in UNSAFE_CHARS or ord(char) < 0x21 or ord(char) == 0x7F:
            raise ValidationError(field, raw, ALLOWED + ", without " + UNSAFE_TEXT)
    if tail == "/":
        tail = ""
    url = scheme + "://" + host + tail
    if len(url) > STREAM_URL_MAX:
        raise ValidationError(
            field, raw, "at most " + str(STREAM_URL_MAX) + " characters"
        )
    return url


def display_url(url):
    """Return `url` as shown on a card: no scheme, no `www.`, no trailing slash."""
    text = url
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if text.startswith("www."):
        text = text[4:]
    if text.endswith("/"):
        text = text[:-1]
    return text
