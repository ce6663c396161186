"""Entry point of the viewer page, run by PyScript with MicroPython.

The page's modules arrive as one bundle (build.py writes it), which the page's
head preloads: one request instead of one per module, so the runtime's own
downloads do not queue behind thirty small ones. This installs the modules into
MicroPython's file system, then starts the page (start.py).

The bundle's bytes stay in a JS Uint8Array, and each module goes to the file
system as a view of it in one call. PyScript's `bytearray()` would instead copy
them into Python one proxy call per byte (45 KB took 50-90 ms here).
"""

import asyncio
import json
import os

MAIN_SCRIPT = 'script[type="mpy"]'
NEWLINE = 10


def install(index, write):
    """Write each module of a bundle (build.py's format) with `write(path, start, end)`.

    `index` is the bundle's first line: a JSON list of [path, size] pairs in the
    order of the bytes after it. `start` and `end` count from the first byte after
    that line.
    """
    offset = 0
    for path, size in json.loads(index):
        folder = path.rpartition("/")[0]
        if folder and folder not in os.listdir():
            os.mkdir(folder)
        write(path, offset, offset + size)
        offset += size


async def main():
    # _pyscript is PyScript's internal module. Its own pyscript.fs reaches the
    # interpreter's file system through it too.
    import js
    from _pyscript import interpreter
    from pyscript import document

    url = document.querySelector(MAIN_SCRIPT).dataset.modules
    response = await js.fetch(url)
    if not response.ok:
        raise RuntimeError("cannot load the page's modules from " + url)
    bundle = js.Uint8Array.new(await response.arrayBuffer())
    end = bundle.indexOf(NEWLINE)
    body = bundle.subarray(end + 1)

    def write(path, start, stop):
        interpreter.FS.writeFile(path, body.subarray(start, stop))

    install(js.TextDecoder.new().decode(bundle.subarray(0, end)), write)
    import start

    await start.start()


if __name__ == "__main__":
    asyncio.create_task(main())
