"""DOM nodes for region tabs, region panels and stream cards.

Moderator text reaches the page only through text nodes and `textContent`, never
through innerHTML. Links come from model.markdown tokens or validated stream URLs,
and an href is set only for http and https. The markup matches the cards in
site/index.html, so the server-rendered first paint and the live page are the same.
"""

from model.markdown import parse
from model.urls import display_url

LINK_REL = "noopener noreferrer nofollow"
TOKEN_TAGS = {"bold": "strong", "italic": "em", "strike": "s"}
DEFAULT_EMPTY_TEXT = "No streams right now."
NO_REGIONS_TEXT = "No regions yet."


def is_web_url(url):
    return url.lower().startswith(("https://", "http://"))


def score_text(score):
    return str(score[0]) + " – " + str(score[1])


class Builder:
    """Element factory for `document`. Every method returns a new, detached node."""

    def __init__(self, document):
        self.document = document

    def element(self, tag, attributes=(), text=None):
        node = self.document.createElement(tag)
        for name, value in attributes:
            node.setAttribute(name, value)
        if text is not None:
            node.textContent = text
        return node

    def link(self, href, text=None, extra=()):
        attributes = (("href", href), ("rel", LINK_REL), ("target", "_blank"))
        return self.element("a", tuple(extra) + attributes, text)

    def append_tokens(self, parent, tokens):
        """Append markdown tokens to `parent` as text nodes and inline elements."""
        for token in tokens:
            kind = token["type"]
            if kind == "text":
                parent.appendChild(self.document.createTextNode(token["text"]))
                continue
            if kind == "link" and is_web_url(token["href"]):
                child = self.link(token["href"])
            elif kind in TOKEN_TAGS:
                child = self.element(TOKEN_TAGS[kind])
            else:
                child = self.element("span")
            self.append_tokens(child, token["children"])
            parent.appendChild(child)

    def card(self, stream):
        card = self.element("li", (("class", "stream"), ("data-stream", stream["id"])))
        name = self.element("h3", (("class", "name"),))
        name.appendChild(self.element("bdi", (), stream["name"]))
        card.appendChild(name)
        if is_web_url(stream["url"]):
            text = display_url(stream["url"])
            card.appendChild(self.link(stream["url"], text, (("class", "link"),)))
        tokens = parse(stream["info"])
        if tokens:
            info = self.element("p", (("class", "info"), ("dir", "auto")))
            self.append_tokens(info, tokens)
            card.appendChild(info)
        card.appendChild(self.meta(stream))
        return card

    def meta(self, stream):
        meta = self.element("p", (("class", "meta"),))
        meta.appendChild(
            self.element("span", (("class", "score"),), score_text(stream["score"]))
        )
        if stream["language"]:
            language = self.element("span", (("class", "language"), ("dir", "auto")))
            language.textContent = stream["language"]
            meta.appendChild(language)
        for tag in stream["tags"]:
            meta.appendChild(self.element("span", (("class", "tag"),), tag))
        return meta

    def empty_text(self, region):
        text = region["no_streams_text"] or DEFAULT_EMPTY_TEXT
        return self.element("p", (("class", "empty"), ("dir", "auto")), text)

    def tab(self, region_id):
        attributes = (
            ("id", "tab-" + region_id),
            ("class", "tab"),
            ("role", "tab"),
            ("href", "#" + region_id),
            ("aria-controls", "region-" + region_id),
            ("data-region", region_id),
        )
        tab = self.element("a", attributes)
        tab.appendChild(self.element("bdi", (("class", "title"),)))
        tab.appendChild(self.element("span", (("class", "count"),)))
        return tab

    def panel(self, region_id):
        # tabindex 0 lets keyboard users reach a panel whose cards hold no link.
        attributes = (
            ("id", "region-" + region_id),
            ("class", "region"),
            ("role", "tabpanel"),
            ("aria-labelledby", "tab-" + region_id),
            ("data-region", region_id),
            ("tabindex", "0"),
        )
        return self.element("section", attributes)
