"""Live preview of info text, rendered by the same template macro as the stream list."""

from admin.pages import render
from model.limits import STREAM_INFO_MAX
from model.text import strip_controls

# The preview shows at most this much, so a pasted novel costs little to render.
PREVIEW_MAX_CHARS = 4 * STREAM_INFO_MAX


def preview(request, user, form):
    text = strip_controls(str(form.get("text", "")))[:PREVIEW_MAX_CHARS]
    return render(request, "preview.html", {"text": text})
