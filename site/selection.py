"""Region selection: the region tab on screen, kept in the page URL.

The selected region and the filters live in the URL fragment
(`#europe&language=English&tag=bo3`), so a link to them works on any static host
and survives a reload. Pure functions: the page and the prerendered HTML share them.
"""

HASH_PREFIX = "#"
PART_SEPARATOR = "&"
HEX_DIGITS = "0123456789ABCDEF"
# RFC 3986 unreserved characters; everything else is percent-encoded in a fragment value.
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def percent_decode(text):
    """Decode %XX escapes as UTF-8; a malformed escape stays as typed."""
    data = bytearray()
    raw = text.encode()
    index = 0
    while index < len(raw):
        byte = raw[index]
        escape = raw[index + 1 : index + 3]
        if byte == 0x25 and len(escape) == 2 and _is_hex(escape):
            data.append(int(escape.decode(), 16))
            index += 3
        else:
            data.append(byte)
            index += 1
    try:
        return bytes(data).decode("utf-8")
    except UnicodeError:
        return text


def _is_hex(pair):
    return all(chr(byte).upper() in HEX_DIGITS for byte in pair)


def percent_encode(text):
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in UNRESERVED:
            out.append(char)
        else:
            out.append("%" + HEX_DIGITS[byte >> 4] + HEX_DIGITS[byte & 15])
    return "".join(out)


def parse_fragment(fragment):
    """Return (region id or None, {key: value}) from a URL fragment.

    The first part without `=` names the region. The `key=value` parts carry the
    filters (see filters.from_params), and an empty value counts as absent.
    """
    region = None
    params = {}
    for part in (fragment or "").lstrip(HASH_PREFIX).split(PART_SEPARATOR):
        key, equals, value = part.partition("=")
        if not equals:
            region = region or percent_decode(key) or None
        elif value:
            params[percent_decode(key)] = percent_decode(value)
    return region, params


def format_fragment(region, params):
    """Return the fragment for `region` and `params`, such as `#europe&tag=bo3`.

    Keys come out sorted and keys without a value are left out.
    """
    parts = [percent_encode(region)] if region else []
    for key in sorted(params):
        if params[key]:
            parts.append(percent_encode(key) + "=" + percent_encode(params[key]))
    return HASH_PREFIX + PART_SEPARATOR.join(parts)


def region_from_hash(fragment):
    """Return the region id named by a URL fragment such as `#europe`, or None."""
    return parse_fragment(fragment)[0]


def choose_region(regions, wanted=()):
    """Return the id of the region to show, or None when there are no regions.

    `wanted` lists the linked region, then the one on screen. The first of them that
    still exists wins. Without one, the first region with streams wins, else the first.
    """
    if not regions:
        return None
    ids = [region["id"] for region in regions]
    for region_id in wanted:
        if region_id in ids:
            return region_id
    for region in regions:
        if region["streams"]:
            return region["id"]
    return regions[0]["id"]
