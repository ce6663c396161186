from admin_helpers import csrf_token


def preview(client, text):
    token = csrf_token(client.get("/").text)
    return client.post("/preview", data={"csrf_token": token, "text": text})


def test_preview_renders_markdown(moderator):
    response = preview(
        moderator, "**Final** *A* vs ~~B~~ [bracket](https://example.com/b)"
    )

    assert response.status_code == 200
    assert "<strong>Final</strong>" in response.text
    assert "<em>A</em>" in response.text
    assert "<s>B</s>" in response.text
    assert (
        '<a href="https://example.com/b" rel="noopener noreferrer nofollow"'
        in response.text
    )


def test_preview_escapes_hostile_input(moderator):
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(1)> "
        '[x](javascript:alert(1)) [y](java&#115;cript:alert(1)) **"><svg onload=alert(1)>**'
    )

    html = preview(moderator, hostile).text

    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    assert "href" not in html
    assert "&lt;script&gt;" in html


def test_preview_requires_csrf(moderator):
    response = moderator.post("/preview", data={"text": "**x**"})

    assert response.status_code == 403


def test_preview_limits_length(moderator):
    html = preview(moderator, "a" * 10_000).text

    assert html.count("a") < 2_000
