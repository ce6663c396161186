// Starts the bootstrap call while PyScript and MicroPython load, so the response is
// on its way before Python can ask for it. site/preload.py takes the promise from
// window.qhBootstrap once. A hidden page makes no call: it connects only when shown.
(() => {
  const url = document.currentScript.dataset.bootstrapUrl;
  if (!url || document.visibilityState !== "visible") return;
  const response = fetch(url, { method: "GET", cache: "no-store" });
  // Python awaits this promise and handles a failure; without a handler here the
  // browser would also log an unhandled rejection while Python is still loading.
  response.catch(() => {});
  window.qhBootstrap = { url, startedAt: performance.now(), response };
})();
