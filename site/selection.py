"""Region selection: the region tab on screen, kept in the page URL.

The selected region lives in the URL fragment (`#europe`), so a link to one region
works on any static host and survives a reload. Pure functions: the page and
build.py (for the first paint) share them.
"""

HASH_PREFIX = "#"


def region_from_hash(fragment):
    """Return the region id named by a URL fragment such as `#europe`, or None."""
    if not fragment:
        return None
    return fragment.lstrip(HASH_PREFIX) or None


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
