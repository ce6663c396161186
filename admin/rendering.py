"""HTML rendering: one autoescaping jinja2 environment for every page and fragment."""

import datetime
from pathlib import Path

import jinja2
from starlette.templating import Jinja2Templates

from model import limits
from model.markdown import parse
from model.urls import display_url

TEMPLATES = Path(__file__).with_name("templates")


def format_timestamp(seconds: float) -> str:
    """Format a Unix time in seconds as UTC, such as `2024-05-01 18:02:11 UTC`."""
    moment = datetime.datetime.fromtimestamp(float(seconds), datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def is_web_url(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def make_environment() -> jinja2.Environment:
    # Every template is HTML, so autoescape is on for all of them, whatever the suffix.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["markdown"] = parse
    # The parser already decoded the link target and kept only http and https, so the
    # template checks the scheme without decoding character references a second time.
    environment.tests["web_url"] = is_web_url
    environment.filters["display_url"] = display_url
    environment.filters["timestamp"] = format_timestamp
    # Templates take the forms' maxlength and max attributes from model.limits.
    # NOTE: browsers count maxlength in UTF-16 code units, so text with emoji stops
    # short of the model's limit, which counts code points after trimming. The model
    # still rejects a URL that grows past its limit when normalised.
    environment.globals["limits"] = limits
    return environment


def make_templates() -> Jinja2Templates:
    return Jinja2Templates(env=make_environment())
