import os
import subprocess
import sys

import pytest
from admin_helpers import MODERATOR, SECRET_KEY

from stack.services import free_port, wait_for_port

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_url(redis_url, demo_store, accounts, tmp_path):
    """The admin app served by a real uvicorn on a free port."""
    port = free_port()
    env = {**os.environ, "ADMIN_SECRET_KEY": SECRET_KEY, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "admin.web", "--port", str(port)]
    command += ["--redis-url", redis_url]
    with open(tmp_path / "admin.log", "wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_log_in_add_stream_log_out(page, admin_url, store):
    page.goto(admin_url + "/")
    assert page.url.startswith(admin_url + "/login")

    page.fill("input[name=name]", MODERATOR[0])
    page.fill("input[name=password]", MODERATOR[1])
    page.click("button:has-text('Log in')")
    page.wait_for_url(admin_url + "/")
    page.click("a:has-text('China')")
    page.wait_for_url(admin_url + "/regions/china")

    form = page.locator("form.stream-form").last
    form.locator("input[name=name]").fill("BrowserCaster")
    form.locator("input[name=url]").fill("twitch.tv/browsercaster")
    form.locator("textarea[name=info]").fill(
        "**Lower bracket** <img src=x onerror=alert(1)>"
    )
    preview = page.locator('[id="preview-stream-new"] strong')
    preview.wait_for()
    assert preview.text_content() == "Lower bracket"
    form.locator("button[type=submit]").click()
    page.wait_for_selector("li#stream-browsercaster")

    assert "Added stream BrowserCaster." in page.locator(".flash").text_content()
    assert (
        "twitch.tv/browsercaster"
        in page.locator("li#stream-browsercaster").text_content()
    )
    assert "BrowserCaster" in [s["name"] for s in store.read()["regions"][4]["streams"]]
    assert page.dialogs == []

    page.click("button:has-text('Log out')")
    page.wait_for_url(admin_url + "/login")
    page.goto(admin_url + "/regions/china")
    assert page.url.startswith(admin_url + "/login")
