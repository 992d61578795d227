// The sketch pad of the "Paint a facade" page: draw a line drawing, watch G(drawing) colour it.
//
// The generator ships with the pages: an Exercise 3 run on OpenMoji's drawings, exported by
// export_onnx.py and copied by conf.py to _static/models/. So the pad needs nothing but the
// served pages: it fetches the file, reads its size from the metadata and draws black ink on
// white paper at that size, the kind of picture the generator was trained on. The colours are
// drawn again after every stroke. Nothing leaves the computer.
//
// conf.py lists what it shipped in sketch_pad.json, next to this module:
//   {"model": "../models/openmoji_sketch2color.onnx" or null, "model_source": where the build
//    looks for it, "starters": {"sizes": [64, ...], "drawings": [{file, name}, ...]} or null}

import { Generator, latestOnly } from "./generator.js";
import { LabelCanvas, SKETCH_PALETTE } from "./label_canvas.js";
import { ModelFileError, readPix2pixFacts } from "./onnx_metadata.js";

const SHIPPED_URL = new URL("sketch_pad.json", import.meta.url);
const RUN = "runs/exercise3_openmoji"; // the run folder the page's command trains
// OpenMoji's artists draw every line 2 units wide on a 72-unit canvas; the pen draws the same
// width at the model's size (2 px at 64, 4 px at 128): the lines the generator learned from
const LINE_WIDTH_OF_72 = 2;
const ERASER_TIMES = 4; // the eraser is wider: rubbing out should be quick
const INK = SKETCH_PALETTE.findIndex((entry) => entry.name === "ink");
const PAPER = SKETCH_PALETTE.findIndex((entry) => entry.name === "paper");

const element = (id) => document.getElementById(id);
const page = {
  status: element("sketchpad-status"),
  tools: element("sketchpad-tools"),
  pen: element("sketchpad-pen"),
  eraser: element("sketchpad-eraser"),
  undo: element("sketchpad-undo"),
  clear: element("sketchpad-clear"),
  newSample: element("sketchpad-new-sample"),
  starters: element("sketchpad-starters"),
  drawing: element("sketchpad-drawing"),
  colours: element("sketchpad-colours"),
};
const state = { generator: null, drawing: null, erasing: false, penWidth: 1, last: null };

// One line for the student; data-state, data-runs and data-milliseconds let a test follow.
function say(text, name) {
  page.status.textContent = text;
  page.status.dataset.state = name;
}

// -----------------------------------------------------------------------------
// 1. Fetch the shipped generator

// The parsed JSON at `url`, or null when it cannot be had (no such file, no server).
async function fetchJson(url) {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

async function openModel() {
  say("Loading the generator ...", "loading");
  const shipped = await fetchJson(SHIPPED_URL);
  // no list at all: a build cut short; the path is then conf.py's SKETCHPAD_MODEL
  const source = shipped?.model_source ?? "the file conf.py's SKETCHPAD_MODEL names";
  const howToMake = `python export_onnx.py --model ${RUN} --out ${source}, then rebuild the ` +
    "pages";
  const missing = `These pages were built without the sketch pad's generator: make it with ` +
    `${howToMake}.`;
  const url = shipped?.model ? new URL(shipped.model, SHIPPED_URL) : null;
  const response = url ? await fetch(url).catch(() => null) : null;
  if (!response?.ok) {
    say(missing, "missing");
    return;
  }
  const name = url.pathname.split("/").pop();
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const facts = readPix2pixFacts(bytes, name);
    if (facts.kind !== "sketch") {
      throw new ModelFileError(`${name} is a ${facts.kind} model, not a sketch model: export ` +
        `a run of Exercise 3 instead, ${howToMake} (add --force to replace the file).`);
    }
    state.generator = await Generator.load(bytes, facts);
  } catch (error) {
    say(error instanceof ModelFileError ? error.message : `onnxruntime-web could not open ` +
      `${name} (${error.message}). ${missing}`, "error");
    return;
  }
  await setUpPad(state.generator.facts, shipped.starters);
  await update();
}

// -----------------------------------------------------------------------------
// 2. The pad at the model's size, its tools and the starting drawings

async function setUpPad(facts, starters) {
  const size = facts.image_size;
  state.drawing = new LabelCanvas(page.drawing, size, SKETCH_PALETTE);
  page.colours.width = page.colours.height = size;
  state.penWidth = Math.max(1, Math.round((LINE_WIDTH_OF_72 * size) / 72));
  state.drawing.clear(PAPER);
  const images = await showStarters(starters, size);
  if (images.length > 0) {
    state.drawing.load(images[0]);
  }
  page.tools.hidden = false;
}

// The starting drawings at the model's size as <img> buttons; none when conf.py drew none.
async function showStarters(starters, size) {
  if (!starters?.sizes.includes(size)) {
    page.starters.hidden = true;
    return [];
  }
  const images = starters.drawings.map(({ file, name }) => {
    const image = document.createElement("img");
    image.src = new URL(`starters/${size}/${file}`, SHIPPED_URL);
    image.alt = image.title = name;
    image.className = "sketchpad-starter";
    image.addEventListener("click", () => {
      state.drawing.remember();
      state.drawing.load(image);
      update();
    });
    return image;
  });
  page.starters.append(...images);
  await Promise.all(images.map((image) => image.decode()));
  return images;
}

function pickTool(erasing) {
  state.erasing = erasing;
  page.pen.setAttribute("aria-pressed", !erasing);
  page.eraser.setAttribute("aria-pressed", erasing);
}

page.pen.addEventListener("click", () => pickTool(false));
page.eraser.addEventListener("click", () => pickTool(true));
page.undo.addEventListener("click", () => { if (state.drawing?.undo()) update(); });
page.clear.addEventListener("click", () => {
  state.drawing.remember();
  state.drawing.clear(PAPER);
  update();
});
page.newSample.addEventListener("click", () => { state.generator.newSample(); update(); });

// -----------------------------------------------------------------------------
// 3. Draw with the pointer (mouse, pen or finger)

function stroke(from, to) {
  const width = state.erasing ? ERASER_TIMES * state.penWidth : state.penWidth;
  state.drawing.line(from, to, width, state.erasing ? PAPER : INK);
}

page.drawing.addEventListener("pointerdown", (event) => {
  if (!state.generator) return;
  page.drawing.setPointerCapture(event.pointerId);
  state.drawing.remember();
  state.last = state.drawing.pixelAt(event);
  stroke(state.last, state.last);
});

page.drawing.addEventListener("pointermove", (event) => {
  if (!state.last) return;
  const pixel = state.drawing.pixelAt(event);
  stroke(state.last, pixel);
  state.last = pixel;
});

for (const type of ["pointerup", "pointercancel"]) {
  page.drawing.addEventListener(type, () => {
    if (!state.last) return;
    state.last = null;
    update(); // once per stroke, and never two runs at a time (latestOnly)
  });
}

// -----------------------------------------------------------------------------
// 4. Colour the drawing: G(drawing) in the paper's test-time mode

const update = latestOnly(async () => {
  const { generator, drawing } = state;
  say("Colouring ...", "running");
  let result;
  try {
    result = await generator.translate(drawing.rgb(), true);
  } catch (error) {
    say(`The generator failed on this drawing (${error.message}). Reload the page.`, "error");
    return;
  }
  const size = generator.facts.image_size;
  page.colours.getContext("2d").putImageData(new ImageData(result.photo, size, size), 0, 0);
  const backend = generator.backend === "webgpu" ? "WebGPU" : "WebAssembly on the CPU";
  say(`Generator of the run ${generator.facts.source}, ${size}×${size}, ${backend}: ` +
    `${Math.round(result.milliseconds)} ms for this drawing.`, "ready");
  page.status.dataset.milliseconds = result.milliseconds.toFixed(1);
  page.status.dataset.runs = Number(page.status.dataset.runs ?? 0) + 1;
});

// -----------------------------------------------------------------------------
// 5. Start

if (location.protocol === "file:") {
  say("This page was opened from a file (file://), where the browser does not let it load " +
    "the generator. Serve the built pages instead: python -m http.server -d _build/html " +
    "8000, then open http://localhost:8000/paint.html", "error");
} else {
  openModel();
}
