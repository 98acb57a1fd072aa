// Real PNG files for upload tests, made here rather than committed: a solid-colour RGB image of
// any size, and one padded with random pixels to reach a byte size (noise does not compress).
import { randomBytes } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8 bits per channel, RGB, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const start = y * (width * 3 + 1)
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), start + 1 + x * 3)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

/** A square PNG in one colour, with a lighter diagonal band so it is visibly an image. */
export function solidPng(size: number, rgb: [number, number, number]): Buffer {
  return png(size, size, (x, y) => (Math.abs(x - y) < size / 6 ? [Math.min(rgb[0] + 80, 255), Math.min(rgb[1] + 80, 255), Math.min(rgb[2] + 80, 255)] : rgb))
}

/** A valid PNG of at least `bytes` bytes: random pixels, which deflate cannot shrink. */
export function pngOfAtLeast(bytes: number): Buffer {
  const side = Math.ceil(Math.sqrt(bytes / 3)) + 1
  const noise = randomBytes(side * side * 3)
  return png(side, side, (x, y) => {
    const at = (y * side + x) * 3
    return [noise[at]!, noise[at + 1]!, noise[at + 2]!]
  })
}
