#!/usr/bin/env node
// Extracts one file from a zip archive with Node alone, so that scripts/install-tools.sh needs no
// `unzip` (not part of a minimal Debian, nor of a Node container image): the promise is that
// `npm ci && npm test` works with only Node and npm.
//   node scripts/extract-zip-entry.mjs ARCHIVE ENTRY DESTINATION
// Reads the central directory (its sizes are authoritative even when the entry used a data
// descriptor); supports stored and deflated entries, which is what zip tools write.
import { readFileSync, writeFileSync } from 'node:fs'
import { inflateRawSync } from 'node:zlib'

const [archivePath, entryName, destination] = process.argv.slice(2)
if (!archivePath || !entryName || !destination) {
  console.error('usage: extract-zip-entry.mjs ARCHIVE ENTRY DESTINATION')
  process.exit(2)
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50
const LOCAL_FILE_HEADER = 0x04034b50

function fail(message) {
  console.error(`${archivePath}: ${message}`)
  process.exit(1)
}

const zip = readFileSync(archivePath)

// The end record is the last 22 bytes, unless an archive comment (at most 64 KiB) follows it.
let end = -1
for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset--) {
  if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) {
    end = offset
    break
  }
}
if (end < 0) fail('not a zip archive (no end of central directory)')
const entryCount = zip.readUInt16LE(end + 10)
const directoryOffset = zip.readUInt32LE(end + 16)
if (directoryOffset === 0xffffffff) fail('zip64 archives are not supported')

let position = directoryOffset
for (let index = 0; index < entryCount; index++) {
  if (zip.readUInt32LE(position) !== CENTRAL_DIRECTORY_ENTRY) fail('corrupt central directory')
  const method = zip.readUInt16LE(position + 10)
  const compressedSize = zip.readUInt32LE(position + 20)
  const size = zip.readUInt32LE(position + 24)
  const nameLength = zip.readUInt16LE(position + 28)
  const extraLength = zip.readUInt16LE(position + 30)
  const commentLength = zip.readUInt16LE(position + 32)
  const localHeader = zip.readUInt32LE(position + 42)
  const name = zip.toString('utf8', position + 46, position + 46 + nameLength)
  position += 46 + nameLength + extraLength + commentLength
  if (name !== entryName) continue

  if (zip.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER) fail(`corrupt local header of ${name}`)
  const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28)
  const data = zip.subarray(dataStart, dataStart + compressedSize)
  let contents
  if (method === 0) contents = data
  else if (method === 8) contents = inflateRawSync(data)
  else fail(`${name} uses compression method ${method}; only stored and deflated entries are supported`)
  if (contents.length !== size) fail(`${name}: expected ${size} bytes, got ${contents.length}`)
  writeFileSync(destination, contents)
  process.exit(0)
}
fail(`no entry ${entryName}`)
