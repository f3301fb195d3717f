#!/usr/bin/env bash
# Builds .gpubench/ (git-ignored): the bundled bench, a node binary, dawn.node, ORT's WebGPU build, the student.
# Needs `npm install --no-save webgpu@0.6.2` first (dawn.node; not a project dependency). See README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.gpubench/' .git/info/exclude || echo /.gpubench/ >> .git/info/exclude
mkdir -p .gpubench
npx vite build --config vite.gpubench.config.ts
cp "$(readlink -f "$(command -v node)")" .gpubench/node
cp node_modules/webgpu/dist/linux-x64/dawn.node .gpubench/
cp node_modules/onnxruntime-web/dist/{ort.webgpu.min.mjs,ort-wasm-simd-threaded.asyncify.mjs,ort-wasm-simd-threaded.asyncify.wasm} .gpubench/
cp models/student.onnx .gpubench/
xz -T2 -6 -f .gpubench/node .gpubench/dawn.node .gpubench/ort-wasm-simd-threaded.asyncify.wasm
du -sh .gpubench
