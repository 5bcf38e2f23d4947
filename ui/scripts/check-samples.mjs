// Checks ui/src/format.ts against bindings/samples.ts, the pairs generated from the Rust
// functions it mirrors (see src-tauri/src/bindings/wording.rs). Node runs JavaScript only, so
// both files are first turned into JavaScript with the project's own TypeScript.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
const out = mkdtempSync(join(tmpdir(), "baosong-samples-"));
async function load(path) {
  const js = ts.transpileModule(readFileSync(join(src, path), "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2021 },
  }).outputText;
  const file = join(out, path.replace(/[/\\]/g, "_").replace(/\.ts$/, ".mjs"));
  writeFileSync(file, js);
  return import(pathToFileURL(file).href);
}

let failures = 0;
let checked = 0;
try {
  const format = await load("format.ts");
  const samples = await load("bindings/samples.ts");
  const check = (name, fn, pairs) => {
    for (const [input, expected] of pairs) {
      checked += 1;
      const got = fn(input);
      if (got !== expected) {
        failures += 1;
        console.error(`${name}(${JSON.stringify(input)}) = ${JSON.stringify(got)}, the core says ${JSON.stringify(expected)}`);
      }
    }
  };
  check("formatSize", format.formatSize, samples.sizeSamples);
  check("formatDuration", format.formatDuration, samples.durationSamples);
  check("formatTime", format.formatTime, samples.timeSamples);
  check("isPhone", format.isPhone, samples.phoneSamples);
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`${failures} of ${checked} samples differ from the core.`);
  process.exit(1);
}
console.log(`format.ts agrees with the core on all ${checked} samples.`);
