"""Text hygiene applied to every string a moderator saves."""

import re

from model.errors import ValidationError

# Bidi embedding, override and isolate controls: U+202A-U+202E and U+2066-U+2069,
# plus the Arabic letter mark. They can reorder the text around them on the page.
# fmt: off
BIDI_CONTROLS = (0x061C, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)

# Characters that render as blank: used to reject text that is only whitespace.
BLANK = (
    0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x0085, 0x00A0, 0x1680, 0x180E,
    0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
    0x200A, 0x200B, 0x200C, 0x200D, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000,
    0xFEFF, 0x3164, 0x115F, 0x1160, 0x2800,
)
# fmt: on


def _is_removed(code):
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return True
    return code in BIDI_CONTROLS


# CPython's str.isprintable() is false for every character strip_controls() removes
# or replaces (categories Cc, Cf, Cs and Cn), so a printable string passes unchanged
# without the loop. MicroPython's str has no isprintable().
_HAS_ISPRINTABLE = hasattr(str, "isprintable")

# Any character outside printable ASCII (space to tilde). Printable ASCII text also
# passes unchanged. MicroPython's re searches in C, while the loop below takes about
# 6 microseconds per character in MicroPython's WebAssembly build (measured in Node).
_NOT_PRINTABLE_ASCII = re.compile("[^ -~]")


def _passes_unchanged(value):
    if _HAS_ISPRINTABLE:
        return value.isprintable()
    return _NOT_PRINTABLE_ASCII.search(value) is None


def strip_controls(value):
    """Return `value` without control characters, bidi controls or lone surrogates.

    Tabs and line breaks become spaces, so every field stays on one line.
    """
    if _passes_unchanged(value):
        return value
    out = []
    for char in value:
        code = ord(char)
        if code in (0x09, 0x0A, 0x0D):
            out.append(" ")
        elif not _is_removed(code):
            out.append(char)
    return "".join(out)


def is_blank(value):
    for char in value:
        if ord(char) not in BLANK:
            return False
    return True


def clean_text(value, field, max_chars, required=True):
    """Return `value` cleaned and trimmed, or raise ValidationError naming `field`."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "expected text")
    cleaned = strip_controls(value).strip()
    if is_blank(cleaned):
        if required:
            raise ValidationError(field, value, "must contain visible text")
        return ""
    if len(cleaned) > max_chars:
        raise ValidationError(
            field,
            value,
            "at most " + str(max_chars) + " characters, got " + str(len(cleaned)),
        )
    return cleaned


def slugify(value):
    """Return a lowercase ASCII slug of `value` (letters, digits, single dashes)."""
    out = []
    dash = False
    for char in value.lower():
        if ("a" <= char <= "z") or ("0" <= char <= "9"):
            out.append(char)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def slug_id(value, max_chars):
    """Return a slug of `value` cut to `max_chars`, without a dash at the cut."""
    return slugify(value)[:max_chars].strip("-")


def unique_id(base, taken, max_chars):
    """Return `base`, else the first free `base-2`, `base-3`, ... cut to `max_chars`."""
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = "-" + str(number)
        candidate = base[: max_chars - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def is_slug(value, max_chars):
    return (
        isinstance(value, str)
        and 0 < len(value) <= max_chars
        and slugify(value) == value
    )
