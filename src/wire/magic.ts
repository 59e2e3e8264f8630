// Well-known compressed formats, by their first bytes: such payloads do not compress further
// (the tutorial: images are sent uncompressed).

/** A magic-number check for formats that do not compress further. */
export function looksCompressed (data: Buffer): boolean {
  if (data.length < 4) return false
  const b0 = data[0]
  const b1 = data[1]
  const b2 = data[2]
  const b3 = data[3]
  if (b0 === 0x1f && b1 === 0x8b) return true // gzip
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return true // zstd
  if (b0 === 0x89 && b1 === 0x50 && b2 === 0x4e && b3 === 0x47) return true // PNG
  if (b0 === 0xff && b1 === 0xd8 && b2 === 0xff) return true // JPEG
  if (b0 === 0x50 && b1 === 0x4b && b2 === 0x03 && b3 === 0x04) return true // zip (docx, jar, ...)
  if (b0 === 0x04 && b1 === 0x22 && b2 === 0x4d && b3 === 0x18) return true // LZ4 frame
  if (b0 === 0x42 && b1 === 0x5a && b2 === 0x68) return true // bzip2
  if (b0 === 0xfd && b1 === 0x37 && b2 === 0x7a && b3 === 0x58) return true // xz
  if (b0 === 0x47 && b1 === 0x49 && b2 === 0x46 && b3 === 0x38) return true // GIF
  // RIFF....WEBP (WAV and AVI are RIFF too but not compressed, so check the form type).
  if (b0 === 0x52 && b1 === 0x49 && b2 === 0x46 && b3 === 0x46) {
    return data.length >= 12 && data[8] === 0x57 && data[9] === 0x45 && data[10] === 0x42 && data[11] === 0x50
  }
  return false
}
