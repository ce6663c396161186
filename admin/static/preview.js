// Live preview of info text while a moderator types. The server parses the markdown
// and renders it through an autoescaping template, so the HTML it returns contains
// no markup from the typed text, and the page's CSP blocks inline scripts anyway.
"use strict";

const PREVIEW_DELAY_MS = 250;

async function refreshPreview(field) {
  const target = document.getElementById(field.dataset.preview);
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const body = new URLSearchParams({ text: field.value, csrf_token: token });
  const response = await fetch("/preview", {
    method: "POST",
    body,
    credentials: "same-origin",
  });
  if (!response.ok) {
    target.textContent = "Preview failed (HTTP " + response.status + ").";
    return;
  }
  target.innerHTML = await response.text();
}

document.addEventListener("input", (event) => {
  const field = event.target;
  if (!field.dataset || !field.dataset.preview) {
    return;
  }
  clearTimeout(field.previewTimer);
  field.previewTimer = setTimeout(() => refreshPreview(field), PREVIEW_DELAY_MS);
});
