// Reference outputs for the nsfwjs import tests, computed by nsfwjs itself on TensorFlow.js' CPU
// backend (an implementation independent of Fovea's converter).
//
// Usage: node nsfwjs_reference.cjs NPM_PREFIX INPUT.raw COUNT OUTPUT.f32 [MODEL]
//   NPM_PREFIX  folder holding node_modules/nsfwjs and node_modules/@tensorflow/tfjs
//   INPUT.raw   uint8 RGB pixels [COUNT, SIZE, SIZE, 3]; SIZE is 224, or 299 for InceptionV3
//   OUTPUT.f32  written: float32 little-endian probabilities [COUNT, 5], nsfwjs' class order
//   MODEL       MobileNetV2 (default) or InceptionV3, nsfwjs' names for its bundled models
// nsfwjs' infer() does its own x / 255 (and no resize at the model's own size), so this checks
// the recorded preprocessing as well as the weights.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

async function main() {
    const [prefix, inputPath, countText, outputPath, modelName = "MobileNetV2"] =
        process.argv.slice(2);
    if (!outputPath) {
        throw new Error(
            "usage: nsfwjs_reference.cjs NPM_PREFIX INPUT.raw COUNT OUTPUT.f32 [MODEL]");
    }
    const requireFromPrefix = createRequire(path.join(path.resolve(prefix), "package.json"));
    const tf = requireFromPrefix("@tensorflow/tfjs");
    const nsfwjs = requireFromPrefix("nsfwjs");
    await tf.setBackend("cpu");
    await tf.ready();

    const sizes = { MobileNetV2: 224, InceptionV3: 299 };
    const size = sizes[modelName];
    if (!size) throw new Error(`unknown model ${modelName}`);
    const count = Number(countText);
    const pixels = fs.readFileSync(inputPath);
    if (pixels.length !== count * size * size * 3) throw new Error(`${inputPath}: wrong size`);
    // Loads the bundled dist/models/<model> files (model.min.js + shards), no network.
    const model = await nsfwjs.load(modelName, { size });
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
