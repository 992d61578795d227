// The facts export_onnx.py writes into an .onnx file: kind, image size, palette, mask shapes.
//
// An .onnx file is one protocol-buffer message, ModelProto. Its metadata is field 14,
// `metadata_props`, a list of {key (field 1), value (field 2)} strings. onnxruntime-web does
// not hand the metadata to JavaScript, so this module reads it from the file's bytes: it walks
// the top-level fields and skips the others by their length, the graph (field 7, nearly all
// of the file) included. Used by main.js on the "Paint a facade" page.

const METADATA_KEY = "pix2pix"; // the one entry pix2pix/weights/onnx_export.py writes (JSON)
const METADATA_FIELD = 14;

// Protocol buffers write every field as a tag (field number * 8 + wire type), then its value.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

export class ModelFileError extends Error {}

// A varint is 7 bits per byte, low bits first, with the top bit set on all but the last byte.
// Lengths here reach hundreds of megabytes, past 2**31, so it is summed with multiplications:
// JavaScript's bit operators work on 32-bit integers.
function readVarint(bytes, position) {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (position >= bytes.length) throw new ModelFileError("the file ends inside a number");
    const byte = bytes[position++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, position];
    scale *= 128;
  }
}

// The (field number, value bytes) pairs of one message, skipping values that are not strings.
function* fields(bytes) {
  let position = 0;
  while (position < bytes.length) {
    let tag;
    [tag, position] = readVarint(bytes, position);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === VARINT) {
      [, position] = readVarint(bytes, position);
    } else if (wireType === FIXED64 || wireType === FIXED32) {
      position += wireType === FIXED64 ? 8 : 4;
    } else if (wireType === LENGTH_DELIMITED) {
      let length;
      [length, position] = readVarint(bytes, position);
      if (position + length > bytes.length) {
        throw new ModelFileError("a field runs past the end of the file");
      }
      yield [field, bytes.subarray(position, position + length)];
      position += length;
    } else {
      throw new ModelFileError(`unknown wire type ${wireType}`);
    }
  }
}

// Every metadata entry of a ModelProto, as a Map from key to value.
export function readMetadata(bytes) {
  const decoder = new TextDecoder();
  const metadata = new Map();
  for (const [field, value] of fields(bytes)) {
    if (field !== METADATA_FIELD) continue;
    const entry = new Map(fields(value));
    metadata.set(decoder.decode(entry.get(1) ?? new Uint8Array()),
                 decoder.decode(entry.get(2) ?? new Uint8Array()));
  }
  return metadata;
}

// The pix2pix facts of an exported file, or a ModelFileError that says how to make one.
export function readPix2pixFacts(bytes, fileName) {
  const howToExport = "Export a generator with `python export_onnx.py --out " +
    "outputs/facades.onnx` (or --model RUN_FOLDER for a sketch model) and pick that file.";
  let metadata;
  try {
    metadata = readMetadata(bytes);
  } catch (error) {
    throw new ModelFileError(`${fileName} is not an ONNX file (${error.message}). ${howToExport}`);
  }
  if (!metadata.has(METADATA_KEY)) {
    throw new ModelFileError(`${fileName} was not written by export_onnx.py: it carries no ` +
      `pix2pix metadata, so its inputs and size are unknown. ${howToExport}`);
  }
  const facts = JSON.parse(metadata.get(METADATA_KEY));
  if (!["facades", "sketch"].includes(facts.kind)) {
    throw new ModelFileError(`${fileName} is a model of unknown kind "${facts.kind}". ` +
      howToExport);
  }
  return facts;
}
