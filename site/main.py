"""Entry point of the viewer page, run by PyScript with MicroPython.

The page's modules arrive as one bundle (build.py writes it), which the page's
head preloads: one request instead of one per module, so the runtime's own
downloads do not queue behind thirty small ones. This installs the modules into
MicroPython's file system, then starts the page (start.py).
"""

import asyncio
import json
import os

MAIN_SCRIPT = 'script[type="mpy"]'


def install(bundle):
    """Write each module of `bundle` to its path: a JSON index line, then the bytes.

    The index lists [path, size] pairs in the order of the bytes.
    """
    end = bundle.find(b"\n")
    offset = end + 1
    for path, size in json.loads(bundle[:end].decode()):
        folder = path.rpartition("/")[0]
        if folder and folder not in os.listdir():
            os.mkdir(folder)
        with open(path, "wb") as module:
            module.write(bundle[offset : offset + size])
        offset += size


async def main():
    from pyscript import document, fetch

    url = document.querySelector(MAIN_SCRIPT).dataset.modules
    response = await fetch(url)
    if not response.ok:
        raise RuntimeError("cannot load the page's modules from " + url)
    install(bytes(await response.bytearray()))
    import start

    await start.start()


if __name__ == "__main__":
    asyncio.create_task(main())
