// Draws the app icons (a keyhole: "be the one with the key") as PNGs into public/icons.
// Run once with `node scripts/icons.mjs`; the PNGs are committed, so the build needs no image tools.
import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";

const BLUE = [31, 95, 139];
const WHITE = [255, 255, 255];

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; header[9] = 6; header[10] = 0; header[11] = 0; header[12] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// The keyhole, scaled by s around the centre.
function keyhole(x, y, s) {
  const cx = 0.5, cy = 0.5 - 0.08 * s / 0.6;
  const r = 0.13 * s / 0.6;
  if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) return true;
  const top = cy, bottom = cy + 0.3 * s / 0.6;
  if (y < top || y > bottom) return false;
  const t = (y - top) / (bottom - top);
  const half = (0.05 + 0.05 * t) * s / 0.6;
  return Math.abs(x - cx) <= half;
}

function roundedSquare(x, y, radius) {
  const dx = Math.max(radius - x, 0, x - (1 - radius));
  const dy = Math.max(radius - y, 0, y - (1 - radius));
  return dx * dx + dy * dy <= radius * radius;
}

const any = (x, y) =>
  !roundedSquare(x, y, 0.2) ? [0, 0, 0, 0] : keyhole(x, y, 0.6) ? [...WHITE, 255] : [...BLUE, 255];
// Maskable: full bleed, the mark inside the 80% safe zone.
const maskable = (x, y) => (keyhole(x, y, 0.45) ? [...WHITE, 255] : [...BLUE, 255]);

mkdirSync(new URL("../public/icons/", import.meta.url), { recursive: true });
writeFileSync(new URL("../public/icons/icon-192.png", import.meta.url), png(192, any));
writeFileSync(new URL("../public/icons/icon-512.png", import.meta.url), png(512, any));
writeFileSync(new URL("../public/icons/maskable-512.png", import.meta.url), png(512, maskable));
