// Makes test images without any image package: a minimal PNG encoder (RGB, 8 bits) over node:zlib.
import { deflateSync } from "node:zlib";
import { randomBytes } from "node:crypto";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A width×height RGB PNG. `noisy` fills it with random pixels stored uncompressed, so the file is
 * big (about width×height×3 bytes) and an upload takes long enough to watch; otherwise a small gradient.
 */
export function png(width, height, { noisy = false } = {}) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  // One random row, shifted per line: noise to the eye, cheap to make.
  const noise = noisy ? randomBytes(width * 3 + 256) : null;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    raw[row] = 0; // filter: none
    if (noisy) {
      noise.copy(raw, row + 1, y % 256, (y % 256) + width * 3);
    } else {
      for (let x = 0; x < width; x++) {
        const p = row + 1 + x * 3;
        raw[p] = Math.round((255 * x) / width);
        raw[p + 1] = Math.round((255 * y) / height);
        raw[p + 2] = 160;
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: noisy ? 0 : 6 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
