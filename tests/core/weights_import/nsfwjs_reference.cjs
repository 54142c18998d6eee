// Reference outputs for the nsfwjs MobileNetV2 import test, computed by nsfwjs itself on
// TensorFlow.js' CPU backend (an implementation independent of Fovea's converter).
//
// Usage: node nsfwjs_reference.cjs NPM_PREFIX INPUT.raw COUNT OUTPUT.f32
//   NPM_PREFIX  folder holding node_modules/nsfwjs and node_modules/@tensorflow/tfjs
//   INPUT.raw   uint8 RGB pixels [COUNT, 224, 224, 3]
//   OUTPUT.f32  written: float32 little-endian probabilities [COUNT, 5], nsfwjs' class order
// nsfwjs' infer() does its own x / 255 (and no resize at 224 px), so this checks the recorded
// preprocessing as well as the weights.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

async function main() {
    const [prefix, inputPath, countText, outputPath] = process.argv.slice(2);
    if (!outputPath) throw new Error("usage: nsfwjs_reference.cjs NPM_PREFIX INPUT.raw COUNT OUTPUT.f32");
    const requireFromPrefix = createRequire(path.join(path.resolve(prefix), "package.json"));
    const tf = requireFromPrefix("@tensorflow/tfjs");
    const nsfwjs = requireFromPrefix("nsfwjs");
    await tf.setBackend("cpu");
    await tf.ready();

    const size = 224;
    const count = Number(countText);
    const pixels = fs.readFileSync(inputPath);
    if (pixels.length !== count * size * size * 3) throw new Error(`${inputPath}: wrong size`);
    // Loads the bundled dist/models/mobilenet_v2 files (model.min.js + shard), no network.
    const model = await nsfwjs.load("MobileNetV2", { size });
    const output = new Float32Array(count * 5);
    for (let index = 0; index < count; ++index) {
        const image = pixels.subarray(index * size * size * 3, (index + 1) * size * size * 3);
        const probabilities = tf.tidy(() => {
            const tensor = tf.tensor3d(new Int32Array(image), [size, size, 3], "int32");
            return model.infer(tensor).dataSync();
        });
        if (probabilities.length !== 5) throw new Error("expected 5 outputs");
        output.set(probabilities, index * 5);
    }
    fs.writeFileSync(outputPath, Buffer.from(output.buffer));
}

main().catch((error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
});
