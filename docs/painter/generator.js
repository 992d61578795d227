// The exported generator, run in the browser by onnxruntime-web: G(x) for the painted label.
//
// The file holds the paper's test-time mode (pix2pix/weights/onnx_export.py): a `paper_mode` input
// switches BatchNorm between the image's own statistics and the running ones, and each dropout
// layer takes its 0/1 mask as an input. This module draws the masks, and draws new ones for
// "new sample": the only randomness pix2pix has. Used by main.js (the painter) and
// sketch_pad.js on the "Paint a facade" page.

import * as ort from "./onnxruntime-web/ort.webgpu.bundle.min.mjs";

// Threads need SharedArrayBuffer, which browsers give only to pages served with the COOP/COEP
// headers; `python -m http.server` and most static hosts send none. One thread, with the SIMD
// instructions this build always uses, is what every student gets: the page is measured so.
ort.env.wasm.numThreads = 1;

// WebGPU when the browser has a GPU adapter (a compute shader per layer), else WebAssembly.
async function pickBackend() {
  if (!navigator.gpu) return "wasm";
  try {
    return (await navigator.gpu.requestAdapter()) ? "webgpu" : "wasm";
  } catch {
    return "wasm";
  }
}

export class Generator {
  // bytes: the .onnx file; facts: its metadata (onnx_metadata.js)
  static async load(bytes, facts) {
    const backend = await pickBackend();
    try {
      return new Generator(await createSession(bytes, backend), facts, backend, bytes);
    } catch (error) {
      if (backend === "wasm") throw error;
      return new Generator(await createSession(bytes, "wasm"), facts, "wasm", bytes);
    }
  }

  constructor(session, facts, backend, bytes) {
    this.session = session;
    this.facts = facts;
    this.backend = backend;
    this.bytes = backend === "webgpu" ? bytes : null; // to fall back if a WebGPU run fails
    this.newSample();
  }

  // New dropout masks: each unit kept with probability `dropout_keep` (0.5), as nn.Dropout.
  newSample() {
    this.masks = this.facts.dropout_mask_shapes.map((shape) => {
      const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < mask.length; i++) {
        mask[i] = Math.random() < this.facts.dropout_keep ? 1 : 0;
      }
      return new ort.Tensor("float32", mask, shape);
    });
  }

  // rgb: (size, size, 3) bytes of the label. Returns the photo as RGBA bytes for an ImageData
  // and the milliseconds the network took.
  async translate(rgb, paperMode) {
    const size = this.facts.image_size;
    const pixels = size * size;
    // (size, size, 3) in [0, 255] -> (1, 3, size, size) in [-1, 1], the training range
    const input = new Float32Array(3 * pixels);
    for (let pixel = 0; pixel < pixels; pixel++) {
      for (let channel = 0; channel < 3; channel++) {
        input[channel * pixels + pixel] = rgb[3 * pixel + channel] / 127.5 - 1;
      }
    }
    const feeds = {
      input_image: new ort.Tensor("float32", input, [1, 3, size, size]),
      paper_mode: new ort.Tensor("bool", Uint8Array.of(paperMode ? 1 : 0), []),
    };
    this.masks.forEach((mask, i) => { feeds[`dropout_mask_${i + 1}`] = mask; });

    const start = performance.now();
    const output = (await this.run(feeds)).fake_image.data; // (1, 3, size, size) in [-1, 1]
    const milliseconds = performance.now() - start;

    const photo = new Uint8ClampedArray(4 * pixels); // clamps to 0..255 as it stores
    for (let pixel = 0; pixel < pixels; pixel++) {
      for (let channel = 0; channel < 3; channel++) {
        photo[4 * pixel + channel] = Math.round((output[channel * pixels + pixel] + 1) * 127.5);
      }
      photo[4 * pixel + 3] = 255;
    }
    return { photo, milliseconds };
  }

  async run(feeds) {
    try {
      return await this.session.run(feeds);
    } catch (error) {
      if (this.backend === "wasm") throw error;
      this.session = await createSession(this.bytes, "wasm"); // a GPU that cannot run a layer
      this.backend = "wasm";
      return this.session.run(feeds);
    }
  }
}

function createSession(bytes, backend) {
  return ort.InferenceSession.create(bytes, { executionProviders: [backend] });
}

// `task` (one run of the generator on the current drawing) wrapped so that calls never overlap:
// those that arrive while it runs are folded into one more run after it. A burst of strokes
// costs two runs instead of one per stroke, and the last stroke is always drawn.
export function latestOnly(task) {
  let running = null;
  let again = false;
  return async function update() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await task();
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  };
}
