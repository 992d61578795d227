// The "Paint a facade" page: pick an exported generator, paint a label, watch G(label) appear.
//
// Facade models get the twelve classes as swatches in the model's own palette (read from the
// file, so it is the palette the generator was trained with); sketch models from Exercise 3 get
// black ink on white paper. The photo is recomputed after every stroke or fill. Nothing leaves
// the computer: the file is read by the browser and run by onnxruntime-web on this page.

import { Generator, latestOnly } from "./generator.js";
import { LabelCanvas, SKETCH_PALETTE } from "./label_canvas.js";
import { ModelFileError, readPix2pixFacts } from "./onnx_metadata.js";

// brush widths in pixels of a 256x256 image, scaled to the model's size
const BRUSHES = { facades: [4, 8, 16, 32], sketch: [1, 2, 4, 8] };
const START_CLASS = { facades: "window", sketch: "ink" }; // the swatch selected first
const BLANK_CLASS = { facades: "facade", sketch: "paper" }; // what "clear" paints

const element = (id) => document.getElementById(id);
const page = {
  status: element("painter-status"),
  file: element("painter-file"),
  tools: element("painter-tools"),
  swatches: element("painter-swatches"),
  brushes: element("painter-brushes"),
  fill: element("painter-fill"),
  undo: element("painter-undo"),
  clear: element("painter-clear"),
  newSample: element("painter-new-sample"),
  evalMode: element("painter-eval"),
  label: element("painter-label"),
  photo: element("painter-photo"),
  sampleBox: document.querySelector("div.painter-samples"), // the sample labels, facades only
  samples: [...document.querySelectorAll("img.painter-sample")],
};
const state = { generator: null, label: null, index: 0, brush: 8, filling: false, last: null };

// One line for the student; data-state and data-milliseconds let a test follow along.
function say(text, name) {
  page.status.textContent = text;
  page.status.dataset.state = name;
}

// -----------------------------------------------------------------------------
// 1. Open the exported file

async function openModel(file) {
  say(`Reading ${file.name} ...`, "loading");
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const facts = readPix2pixFacts(bytes, file.name);
    state.generator = await Generator.load(bytes, facts);
  } catch (error) {
    say(error instanceof ModelFileError ? error.message : `onnxruntime-web could not open ` +
      `${file.name} (${error.message}). Export it again with export_onnx.py.`, "error");
    return;
  }
  await setUpPainter(state.generator.facts);
  await update();
}

// -----------------------------------------------------------------------------
// 2. The tools: swatches, brushes, fill, undo, clear

function makeButton(text, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.addEventListener("click", onClick);
  return button;
}

function press(group, pressed) {
  for (const button of group.children) button.setAttribute("aria-pressed", button === pressed);
}

async function setUpPainter(facts) {
  const palette = facts.kind === "facades" ? facts.classes : SKETCH_PALETTE;
  state.label = new LabelCanvas(page.label, facts.image_size, palette);
  page.photo.width = page.photo.height = facts.image_size;

  page.swatches.replaceChildren(...palette.map((entry, index) => {
    const swatch = makeButton(entry.name, () => {
      state.index = index;
      press(page.swatches, swatch);
    });
    const [r, g, b] = entry.rgb;
    swatch.style.background = `rgb(${r}, ${g}, ${b})`;
    swatch.style.color = 0.3 * r + 0.6 * g + 0.1 * b > 140 ? "black" : "white"; // readable
    return swatch;
  }));
  const start = palette.findIndex((entry) => entry.name === START_CLASS[facts.kind]);
  page.swatches.children[start].click();

  const scale = facts.image_size / 256;
  const widths = new Set(BRUSHES[facts.kind].map((w) => Math.max(1, Math.round(w * scale))));
  page.brushes.replaceChildren(...[...widths].map((width) => {
    const brush = makeButton(`${width} px`, () => {
      state.brush = width;
      press(page.brushes, brush);
    });
    return brush;
  }));
  page.brushes.children[Math.min(1, page.brushes.children.length - 1)].click();

  if (page.sampleBox) page.sampleBox.hidden = facts.kind !== "facades";
  const blank = palette.findIndex((entry) => entry.name === BLANK_CLASS[facts.kind]);
  if (facts.kind === "facades" && page.samples.length > 0) {
    await page.samples[0].decode();
    state.label.load(page.samples[0]);
  } else {
    state.label.clear(blank);
  }
  page.clear.onclick = () => { state.label.remember(); state.label.clear(blank); update(); };
  page.tools.hidden = false;
}

// -----------------------------------------------------------------------------
// 3. Paint with the pointer (mouse, pen or finger)

page.label.addEventListener("pointerdown", (event) => {
  if (!state.generator) return;
  const pixel = state.label.pixelAt(event);
  state.label.remember();
  if (state.filling) {
    state.label.fill(pixel.x, pixel.y, state.index);
    update();
    return;
  }
  page.label.setPointerCapture(event.pointerId);
  state.last = pixel;
  state.label.line(pixel, pixel, state.brush, state.index);
});

page.label.addEventListener("pointermove", (event) => {
  if (!state.last) return;
  const pixel = state.label.pixelAt(event);
  state.label.line(state.last, pixel, state.brush, state.index);
  state.last = pixel;
});

for (const type of ["pointerup", "pointercancel"]) {
  page.label.addEventListener(type, () => {
    if (!state.last) return;
    state.last = null;
    update(); // after each stroke, not each pixel: one run per stroke keeps the page fluid
  });
}

page.fill.addEventListener("click", () => {
  state.filling = !state.filling;
  page.fill.setAttribute("aria-pressed", state.filling);
});
page.undo.addEventListener("click", () => { if (state.label?.undo()) update(); });
page.newSample.addEventListener("click", () => { state.generator?.newSample(); update(); });
page.evalMode.addEventListener("change", () => update());
for (const sample of page.samples) {
  sample.addEventListener("click", () => {
    if (!state.generator) return;
    state.label.remember();
    state.label.load(sample);
    update();
  });
}

// -----------------------------------------------------------------------------
// 4. Run the generator; strokes that end while it runs are drawn by one more run

const update = latestOnly(async () => { if (state.generator) await translateOnce(); });

async function translateOnce() {
  const { generator, label } = state;
  const paperMode = !page.evalMode.checked;
  say("Translating ...", "running");
  let result;
  try {
    result = await generator.translate(label.rgb(), paperMode);
  } catch (error) {
    say(`The generator failed on this label (${error.message}). Reload the page and pick the ` +
      "file again.", "error");
    return;
  }
  const { photo, milliseconds } = result;
  const size = generator.facts.image_size;
  page.photo.getContext("2d").putImageData(new ImageData(photo, size, size), 0, 0);
  const backend = generator.backend === "webgpu" ? "WebGPU" : "WebAssembly on the CPU";
  say(`${generator.facts.kind} model, ${size}×${size}, ${backend}, ` +
    `${paperMode ? "paper" : "eval"} mode: ${Math.round(milliseconds)} ms for this image.`,
    "ready");
  page.status.dataset.milliseconds = milliseconds.toFixed(1);
  page.status.dataset.runs = Number(page.status.dataset.runs ?? 0) + 1;
}

// -----------------------------------------------------------------------------
// 5. Start

if (location.protocol === "file:") {
  say("This page was opened from a file (file://), where the browser does not let it load " +
    "the model's runtime. Serve the built pages instead: python -m http.server -d " +
    "_build/html 8000, then open http://localhost:8000/paint.html", "error");
  page.file.disabled = true;
} else {
  page.file.addEventListener("change", () => {
    if (page.file.files.length > 0) openModel(page.file.files[0]);
  });
  say("Pick the .onnx file you exported. It is read by this page and never leaves your " +
    "computer.", "waiting");
}
