"""Filters by language and tag: which streams a viewer wants to see.

Pure functions, shared by the page and the prerendered HTML (for the filter menus).
The filters live in the URL fragment next to the region (see selection.py).
"""

LANGUAGE = "language"
TAG = "tag"
FILTER_KEYS = (LANGUAGE, TAG)
NO_MATCH_TEXT = "No streams in this region match the filters."


def no_filters():
    return {LANGUAGE: None, TAG: None}


def from_params(params):
    """Return the filters set in URL fragment parameters (see selection.parse_fragment)."""
    filters = no_filters()
    for key in FILTER_KEYS:
        filters[key] = params.get(key) or None
    return filters


def is_filtering(filters):
    return bool(filters[LANGUAGE] or filters[TAG])


def stream_matches(stream, filters):
    """Return True when `stream` passes every filter that is set.

    Languages compare without case, because moderators type them freely.
    """
    language = filters[LANGUAGE]
    if language and stream["language"].lower() != language.lower():
        return False
    tag = filters[TAG]
    return not tag or tag in stream["tags"]


def filter_streams(streams, filters):
    return [stream for stream in streams if stream_matches(stream, filters)]


def filter_regions(regions, filters):
    """Return copies of `regions` that keep only the matching streams.

    A region whose streams all fail the filters says so instead of its own
    "no streams" text, which would be wrong.
    """
    if not is_filtering(filters):
        return list(regions)
    kept = []
    for region in regions:
        copy = dict(region)
        copy["streams"] = filter_streams(region["streams"], filters)
        if region["streams"] and not copy["streams"]:
            copy["no_streams_text"] = NO_MATCH_TEXT
        kept.append(copy)
    return kept


def languages(regions):
    """Return the languages in use, one spelling each, sorted without case."""
    found = {}
    for region in regions:
        for stream in region["streams"]:
            language = stream["language"]
            if language and language.lower() not in found:
                found[language.lower()] = language
    return [found[key] for key in sorted(found)]


def tags(regions):
    found = set()
    for region in regions:
        for stream in region["streams"]:
            found.update(stream["tags"])
    return sorted(found)
