#!/usr/bin/env node
// `npm test`: makes sure the system pieces the tests use are here and the generated files are built
// (scripts/ensure-built.mjs: `npm install` builds nothing), then runs vitest.
// WebGPU tests run on SwiftShader (a CPU Vulkan) that Debian's chromium package ships; the
// browser tests drive that same chromium. Missing, they are installed with apt-get (as root, or
// through sudo); where that is impossible the run goes on and those tests say why they cannot run
// (and fail under CI=true, where a skipped backend would hide a broken setup).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ensureBuilt } from './ensure-built.mjs';

const CHROMIUM_DIR = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;
const PACKAGES = ['chromium'];

function run(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'inherit' }).status === 0;
}

function installSystemPackages() {
  if (existsSync(SWIFTSHADER_ICD) || process.platform !== 'linux') return;
  if (!existsSync('/usr/bin/apt-get')) {
    console.warn(`test: ${SWIFTSHADER_ICD} is missing and there is no apt-get; WebGPU and browser tests cannot run`);
    return;
  }
  const asRoot = process.getuid?.() === 0;
  console.log(`test: installing Debian packages the tests need: ${PACKAGES.join(' ')}`);
  process.env.DEBIAN_FRONTEND = 'noninteractive';
  const apt = (...args) => (asRoot ? run('apt-get', args) : run('sudo', ['-n', 'apt-get', ...args]));
  if (!(apt('update', '-qq') && apt('install', '-y', '-qq', '--no-install-recommends', ...PACKAGES))) {
    console.warn('test: could not install them (run as root, or allow sudo); WebGPU and browser tests will report why they cannot run');
  }
}

installSystemPackages();

try {
  await ensureBuilt();
} catch (e) {
  console.error(`test: cannot build the wasm kernels or the WGSL table: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

const env = { ...process.env };
if (existsSync(SWIFTSHADER_ICD)) {
  env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  // Chromium ships its own Vulkan loader; Dawn (npm `webgpu`) finds it on the library path.
  env.LD_LIBRARY_PATH = [env.LD_LIBRARY_PATH, CHROMIUM_DIR].filter(Boolean).join(':');
}
env.XDG_RUNTIME_DIR ??= tmpdir();

const vitest = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(vitest.status ?? 1);
