// The picture the student paints: one class per pixel, drawn in the model's palette, with undo.
//
// The generator only knows the exact colours it was trained on, so nothing may blend two of
// them: a canvas's own brushes smooth their edges (anti-aliasing) into colours of no class.
// The truth is therefore an array of class indexes, one byte per pixel, that brush and fill
// write; the canvas only shows it. A sketch model gets a palette of two, ink and paper.
// Used by main.js (the painter) and sketch_pad.js on the "Paint a facade" page.

const UNDO_STEPS = 30;
// what a sketch model was trained on: black lines on white paper
export const SKETCH_PALETTE = [{ name: "ink", rgb: [0, 0, 0] },
                               { name: "paper", rgb: [255, 255, 255] }];

export class LabelCanvas {
  // canvas: a <canvas> of size x size pixels; palette: [{name, rgb: [r, g, b]}, ...]
  constructor(canvas, size, palette) {
    canvas.width = size;
    canvas.height = size;
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.size = size;
    this.palette = palette;
    this.classes = new Uint8Array(size * size); // (size, size) class indexes, row by row
    this.undoStack = [];
  }

  // Keep a copy to go back to; call once before each stroke or fill.
  remember() {
    this.undoStack.push(this.classes.slice());
    if (this.undoStack.length > UNDO_STEPS) this.undoStack.shift();
  }

  undo() {
    if (this.undoStack.length === 0) return false;
    this.classes = this.undoStack.pop();
    this.render();
    return true;
  }

  clear(index) {
    this.classes.fill(index);
    this.render();
  }

  // A square brush of `width` pixels centred on (x, y); squares suit walls and windows.
  stamp(x, y, width, index) {
    const half = Math.floor(width / 2);
    const top = Math.max(0, y - half);
    const bottom = Math.min(this.size, y - half + width);
    const left = Math.max(0, x - half);
    const right = Math.min(this.size, x - half + width);
    for (let row = top; row < bottom; row++) {
      this.classes.fill(index, row * this.size + left, row * this.size + right);
    }
  }

  // Stamp along the segment from one pointer position to the next, one pixel apart, so that a
  // fast mouse leaves a line and not a row of dots.
  line(from, to, width, index) {
    const steps = Math.max(Math.abs(to.x - from.x), Math.abs(to.y - from.y), 1);
    for (let step = 0; step <= steps; step++) {
      const x = Math.round(from.x + ((to.x - from.x) * step) / steps);
      const y = Math.round(from.y + ((to.y - from.y) * step) / steps);
      this.stamp(x, y, width, index);
    }
    this.render();
  }

  // Flood fill: every pixel connected to (x, y) through pixels of its class (4-neighbours).
  fill(x, y, index) {
    const size = this.size;
    const start = y * size + x;
    const old = this.classes[start];
    if (old === index) return;
    const pending = [start];
    this.classes[start] = index;
    while (pending.length > 0) {
      const pixel = pending.pop();
      const column = pixel % size;
      const neighbours = [pixel - size, pixel + size];
      if (column > 0) neighbours.push(pixel - 1);
      if (column < size - 1) neighbours.push(pixel + 1);
      for (const next of neighbours) {
        if (next >= 0 && next < this.classes.length && this.classes[next] === old) {
          this.classes[next] = index;
          pending.push(next);
        }
      }
    }
    this.render();
  }

  // Read an image (a sample label) into classes: squashed to size x size without smoothing,
  // each pixel snapped to the nearest palette colour, as pix2pix/datasets/facades.py reads labels.
  load(image) {
    const scratch = document.createElement("canvas");
    scratch.width = this.size;
    scratch.height = this.size;
    const context = scratch.getContext("2d");
    context.imageSmoothingEnabled = false;
    context.drawImage(image, 0, 0, this.size, this.size);
    const rgba = context.getImageData(0, 0, this.size, this.size).data;
    for (let pixel = 0; pixel < this.classes.length; pixel++) {
      this.classes[pixel] = this.nearest(rgba.subarray(4 * pixel, 4 * pixel + 3));
    }
    this.render();
  }

  nearest(rgb) {
    let best = 0;
    let bestDistance = Infinity;
    this.palette.forEach((entry, index) => {
      const distance = entry.rgb.reduce((sum, value, c) => sum + (value - rgb[c]) ** 2, 0);
      if (distance < bestDistance) [best, bestDistance] = [index, distance];
    });
    return best;
  }

  // The painting as (size, size, 3) RGB bytes, the model's input before scaling.
  rgb() {
    const rgb = new Uint8Array(3 * this.classes.length);
    this.classes.forEach((index, pixel) => rgb.set(this.palette[index].rgb, 3 * pixel));
    return rgb;
  }

  render() {
    const image = this.context.createImageData(this.size, this.size);
    const rgb = this.rgb();
    for (let pixel = 0; pixel < this.classes.length; pixel++) {
      image.data.set(rgb.subarray(3 * pixel, 3 * pixel + 3), 4 * pixel);
      image.data[4 * pixel + 3] = 255;
    }
    this.context.putImageData(image, 0, 0);
  }

  // The pixel under a pointer event, whatever size the canvas is shown at.
  pixelAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const inside = (value) => Math.min(this.size - 1, Math.max(0, Math.floor(value)));
    return {
      x: inside(((event.clientX - box.left) / box.width) * this.size),
      y: inside(((event.clientY - box.top) / box.height) * this.size),
    };
  }
}
