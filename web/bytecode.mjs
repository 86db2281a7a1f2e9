// node web/bytecode.mjs IN.whl OUT.whl
//
// Writes OUT.whl: IN.whl (a pure wheel) plus the bytecode of each of its modules,
// compiled by the Python inside this checkout's Pyodide (so the bytecode's magic
// number is the one the browser's Python reads). Pages then import our modules
// without compiling their source: Pyodide's Python would otherwise compile every
// module on every page load, since nothing can be written back to a browser's
// file system between loads.
//
// Each .pyc is hash-checked (PEP 552): Python compares it with the hash of the .py
// next to it and ignores it when they differ, so a .pyc can never run code that is
// not the .py's. Nothing else in the wheel changes; RECORD lists the added files.
// The result depends only on IN.whl and the Pyodide version (reproducible builds).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPyodide } from './node_modules/pyodide/pyodide.mjs';

const COMPILE = `
import base64, hashlib, importlib.util, os, py_compile, zipfile

def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"

def add_bytecode(source, target, work="/tmp/bytecode"):
    compiled = []
    with zipfile.ZipFile(source) as wheel:
        entries = [(info, wheel.read(info)) for info in wheel.infolist()]
    for info, data in entries:
        if not info.filename.endswith(".py"):
            continue
        path = os.path.join(work, info.filename)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(data)
        cached = importlib.util.cache_from_source(info.filename)
        py_compile.compile(
            path, cfile=os.path.join(work, cached), dfile=info.filename, doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
        )
        with open(os.path.join(work, cached), "rb") as stream:
            compiled.append((info, cached, stream.read()))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                own = next(i for i, line in enumerate(lines) if line.startswith(info.filename + ","))
                lines[own:own] = [record_line(name, pyc) for _, name, pyc in compiled]
                data = ("\\n".join(lines) + "\\n").encode()
            out.writestr(info, data)
            for source_info, name, pyc in compiled:
                if source_info is info:
                    entry = zipfile.ZipInfo(name, date_time=info.date_time)
                    entry.external_attr = info.external_attr
                    out.writestr(entry, pyc, zipfile.ZIP_DEFLATED)
    return len(compiled)
`;

async function main() {
  const [source, target] = process.argv.slice(2);
  if (!source || !target) throw new Error('usage: node web/bytecode.mjs IN.whl OUT.whl');
  const indexURL = fileURLToPath(new URL('./node_modules/pyodide/', import.meta.url));
  const pyodide = await loadPyodide({ indexURL, stdout: () => {}, stderr: (line) => console.error(line) });
  pyodide.FS.writeFile('/tmp/in.whl', readFileSync(source));
  pyodide.runPython(COMPILE);
  const count = pyodide.runPython("add_bytecode('/tmp/in.whl', '/tmp/out.whl')");
  writeFileSync(target, pyodide.FS.readFile('/tmp/out.whl'));
  console.log(`bytecode: ${count} modules compiled by Python ${pyodide.runPython('import sys; sys.version.split()[0]')}`);
}

main().catch((error) => {
  console.error(`bytecode: ${error.message ?? error}`);
  process.exit(1);
});
