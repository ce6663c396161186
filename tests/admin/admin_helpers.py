"""Constants and page-scraping helpers shared by the admin tests."""

import re
from pathlib import Path

DEMO = Path(__file__).parents[2] / "stack" / "demo"
SNAPSHOT = DEMO / "qualifier-day.snapshot.json"
EDITS = DEMO / "qualifier-day.edits.jsonl"
SECRET_KEY = "test-secret-key-that-is-long-enough-for-sessions"
ADMIN = ("ada", "admin password 1")
MODERATOR = ("moe", "moderator password 1")


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def base_version(html: str) -> int:
    return int(re.search(r'name="base_version" value="(\d+)"', html).group(1))


def log_in(client, name, password, next_url="/"):
    token = csrf_token(client.get("/login").text)
    data = {"name": name, "password": password, "csrf_token": token, "next": next_url}
    return client.post("/login", data=data)


def form_fields(client, path: str) -> dict:
    """Return the CSRF token and base version of the page at `path`."""
    html = client.get(path).text
    return {"csrf_token": csrf_token(html), "base_version": str(base_version(html))}


def flash(html: str) -> str | None:
    match = re.search(r'class="flash"[^>]*>([^<]*)<', html)
    return match.group(1) if match else None


def form_errors(html: str) -> list[str]:
    return re.findall(r'class="error" role="alert">([^<]*)<', html)
