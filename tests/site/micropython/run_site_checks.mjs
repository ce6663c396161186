// Run a Python file inside MicroPython (the WebAssembly build the viewer page loads)
// with the page's modules (site/*.py) at the root of its import path.
//
// Usage: node run_site_checks.mjs MICROPYTHON_MJS SITE_DIR SCRIPT
// Exits 1 and prints the Python traceback when the script raises.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [runtimePath, siteDir, scriptPath] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(runtimePath).href);

const mp = await loadMicroPython({
  heapsize: 16 * 1024 * 1024,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

for (const name of readdirSync(siteDir)) {
  if (name.endsWith(".py")) mp.FS.writeFile("/" + name, readFileSync(join(siteDir, name)));
}

try {
  mp.runPython("import sys\nsys.path.insert(0, '/')");
  mp.runPython(readFileSync(scriptPath, "utf8"));
} catch (error) {
  if (error.name !== "PythonError") throw error;
  process.stderr.write(error.message + "\n");
  process.exit(1);
}
