// Bytecode for the pages' Python, compiled by the Python inside this checkout's Pyodide
// (so its magic number is the one the browser's Python reads):
//
//   node web/bytecode.mjs wheel IN.whl OUT.whl
//       OUT.whl = IN.whl (a pure wheel) plus each module's __pycache__/*.pyc.
//   node web/bytecode.mjs stdlib DIST OUT.zip
//       OUT.zip = Pyodide's python_stdlib.zip plus NAME.pyc beside each NAME.py that a
//       page loading nomyo-web from DIST (a built build/pyodide: its lock and wheels)
//       imports: Pyodide's own start, its package loader and nomyo_web's imports.
//
// Pyodide's npm package ships its standard library as source only, and a page cannot
// keep the bytecode Python would write, so every page load compiled each module it
// imports again. Every .pyc here is hash-checked (PEP 552): Python compares it with the
// hash of the .py next to it and ignores it when they differ, so a .pyc never runs code
// that is not its .py's. Nothing else in the archive changes; a wheel's RECORD lists
// the added files. The output depends only on the inputs (reproducible builds).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPyodide } from './node_modules/pyodide/pyodide.mjs';

const CORE = fileURLToPath(new URL('./node_modules/pyodide/', import.meta.url));

const PYTHON = `
import base64, hashlib, importlib.util, marshal, sys, zipfile

FLAGS_CHECKED_HASH = 0b11


def pyc(source, filename):
    """A hash-checked .pyc of \`source\` (PEP 552), its code named \`filename\`."""
    code = compile(source, filename, "exec", dont_inherit=True)
    header = importlib.util.MAGIC_NUMBER + FLAGS_CHECKED_HASH.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def rewrite(source, target, compiled_name, wanted, installed_at):
    """Copy the archive \`source\` to \`target\`, each wanted .py followed by its .pyc."""
    with zipfile.ZipFile(source) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    added = {}
    for info, data in entries:
        if info.filename.endswith(".py") and wanted(info.filename):
            added[info.filename] = pyc(data, installed_at + info.filename)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                own = next(i for i, line in enumerate(lines) if line.startswith(info.filename + ","))
                lines[own:own] = [record_line(compiled_name(name), code) for name, code in added.items()]
                data = ("\\n".join(lines) + "\\n").encode()
            out.writestr(info, data)
            if info.filename in added:
                entry = zipfile.ZipInfo(compiled_name(info.filename), date_time=info.date_time)
                entry.external_attr = info.external_attr
                out.writestr(entry, added[info.filename], zipfile.ZIP_DEFLATED)
    return len(added)


def wheel(source, target):
    site = next(path for path in sys.path if path.endswith("site-packages")) + "/"
    return rewrite(source, target, importlib.util.cache_from_source, lambda name: True, site)


def stdlib(source, target):
    """Only the modules this interpreter has imported so far, from the zip it runs."""
    root = next(path for path in sys.path if path.endswith(".zip")) + "/"
    imported = {
        module.__spec__.origin[len(root):]
        for module in list(sys.modules.values())
        if getattr(module, "__spec__", None) and (module.__spec__.origin or "").startswith(root)
    }
    # zipimport reads NAME.pyc beside NAME.py; __init__.py gives __init__.pyc.
    return rewrite(source, target, lambda name: name + "c", imported.__contains__, root)
`;

async function compileWheel(source, target) {
  const pyodide = await loadPyodide({ indexURL: CORE, stdout: () => {} });
  pyodide.FS.writeFile('/tmp/in.whl', readFileSync(source));
  pyodide.runPython(PYTHON);
  const count = pyodide.runPython("wheel('/tmp/in.whl', '/tmp/out.whl')");
  writeFileSync(target, pyodide.FS.readFile('/tmp/out.whl'));
  return count;
}

async function compileStdlib(dist, target) {
  // The page's start, as demo.js makes it: the core, then nomyo-web from DIST's lock.
  const base = `${dist.replace(/\/$/, '')}/`;
  const pyodide = await loadPyodide({
    indexURL: CORE, lockFileURL: `${base}pyodide-lock.json`, packageBaseUrl: base,
    packages: ['nomyo-web'], stdout: () => {},
  });
  pyodide.runPython('import nomyo_web.client, nomyo_web.crypto.webcrypto, nomyo_web.transport.fetch');
  pyodide.FS.writeFile('/tmp/in.zip', readFileSync(`${CORE}python_stdlib.zip`));
  pyodide.runPython(PYTHON);
  const count = pyodide.runPython("stdlib('/tmp/in.zip', '/tmp/out.zip')");
  writeFileSync(target, pyodide.FS.readFile('/tmp/out.zip'));
  return count;
}

async function main() {
  const [mode, source, target] = process.argv.slice(2);
  const modes = { wheel: compileWheel, stdlib: compileStdlib };
  if (!modes[mode] || !source || !target) {
    throw new Error('usage: node web/bytecode.mjs wheel IN.whl OUT.whl | stdlib DIST OUT.zip');
  }
  const count = await modes[mode](source, target);
  console.log(`bytecode: ${count} modules of ${source} compiled`);
}

main().catch((error) => {
  console.error(`bytecode: ${error.message ?? error}`);
  process.exit(1);
});
