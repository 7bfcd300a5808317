//! Removes metadata from image files without touching their pixels: EXIF (GPS position,
//! camera, owner), XMP, IPTC, comments and text chunks. Reporters' and sources' whereabouts
//! must not leak through a photo.
//!
//! What is kept is what the picture needs to look right: JFIF and Adobe segments and ICC
//! colour profiles in JPEG, colour and transparency chunks (and APNG frames) in PNG, the ICC
//! profile and animation in WebP, the loop count in GIF. A JPEG's EXIF orientation is kept by
//! writing a new EXIF segment that holds nothing else.
//!
//! The walk over the file doubles as a structure check: a file that ends early or whose
//! lengths do not add up is refused.

/// Why a file could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Corrupt(pub &'static str);

type Result<T> = std::result::Result<T, Corrupt>;

fn slice(bytes: &[u8], from: usize, len: usize) -> Result<&[u8]> {
    from.checked_add(len)
        .and_then(|end| bytes.get(from..end))
        .ok_or(Corrupt("the file ends early (truncated?)"))
}

fn u16_be(bytes: &[u8], at: usize) -> Result<usize> {
    let b = slice(bytes, at, 2)?;
    Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
}

fn u32_be(bytes: &[u8], at: usize) -> Result<usize> {
    let b = slice(bytes, at, 4)?;
    usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])).map_err(|_| Corrupt("bad length"))
}

fn u32_le(bytes: &[u8], at: usize) -> Result<usize> {
    let b = slice(bytes, at, 4)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).map_err(|_| Corrupt("bad length"))
}

/// An APP1 segment holding only an EXIF orientation (1–8).
fn orientation_segment(orientation: u8) -> Vec<u8> {
    let mut exif = Vec::with_capacity(36);
    exif.extend_from_slice(b"Exif\0\0");
    exif.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, first IFD at 8
    exif.extend_from_slice(&[0, 1]); // one entry
    exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]); // Orientation, SHORT, 1
    exif.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let len = u16::try_from(exif.len() + 2)
        .unwrap_or(u16::MAX)
        .to_be_bytes();
    let mut segment = vec![0xFF, 0xE1, len[0], len[1]];
    segment.extend_from_slice(&exif);
    segment
}

/// JPEG: keeps APP0 (JFIF), APP2 `ICC_PROFILE`, APP14 (Adobe) and every non-APP segment;
/// drops the other APPn (EXIF, XMP, IPTC, maker notes) and comments. `orientation` (if not 1)
/// is written back in a segment of its own.
pub fn jpeg(bytes: &[u8], orientation: u8) -> Result<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Corrupt("not a JPEG"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut wrote_orientation = orientation <= 1 || orientation > 8;
    let mut at = 2;
    loop {
        // Markers may be preceded by fill bytes (0xFF).
        if *bytes
            .get(at)
            .ok_or(Corrupt("the file ends early (truncated?)"))?
            != 0xFF
        {
            return Err(Corrupt("a JPEG segment does not start with a marker"));
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes
            .get(at)
            .ok_or(Corrupt("the file ends early (truncated?)"))?;
        at += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]),
            _ => {
                let len = u16_be(bytes, at)?;
                if len < 2 {
                    return Err(Corrupt("a JPEG segment has an impossible length"));
                }
                let segment = slice(bytes, at, len)?;
                let data = &segment[2..];
                let keep = match marker {
                    // JFIF, not its JFXX thumbnail extension or anything else in an APP0.
                    0xE0 => data.starts_with(b"JFIF\0"),
                    0xEE => data.starts_with(b"Adobe"),
                    0xE2 => data.starts_with(b"ICC_PROFILE\0"),
                    // Every other application segment, the JPGn extensions and comments.
                    0xE1 | 0xE3..=0xED | 0xEF..=0xFE => false,
                    _ => true,
                };
                if !wrote_orientation && marker != 0xE0 {
                    out.extend_from_slice(&orientation_segment(orientation));
                    wrote_orientation = true;
                }
                if keep && marker == 0xE0 && data.len() > 14 {
                    // JFIF with an embedded thumbnail (a picture of its own, perhaps uncropped):
                    // keep the header, say there is no thumbnail, drop its pixels.
                    out.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
                    out.extend_from_slice(&data[..12]);
                    out.extend_from_slice(&[0, 0]);
                } else if keep {
                    out.extend_from_slice(&[0xFF, marker]);
                    out.extend_from_slice(segment);
                }
                at += len;
                if marker == 0xDA {
                    // Entropy-coded data: copy up to the next marker that is not a stuffed
                    // zero or a restart, then carry on with the segments after it.
                    let start = at;
                    loop {
                        let b = *bytes
                            .get(at)
                            .ok_or(Corrupt("the image data ends early (truncated?)"))?;
                        if b == 0xFF {
                            let next = *bytes
                                .get(at + 1)
                                .ok_or(Corrupt("the image data ends early (truncated?)"))?;
                            if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                                break;
                            }
                        }
                        at += 1;
                    }
                    out.extend_from_slice(&bytes[start..at]);
                }
            }
        }
    }
}

/// The largest compressed ICC profile kept in a PNG. Real profiles are a few kilobytes; a big
/// compressed one is a decompression bomb aimed at whatever reads the file next.
pub const MAX_PNG_ICC_BYTES: usize = 16 * 1024;

/// PNG: keeps the critical chunks and those that affect how the picture looks (colour,
/// transparency, density, animation); drops text, time and EXIF chunks and anything unknown,
/// and an ICC profile over [`MAX_PNG_ICC_BYTES`].
pub fn png(bytes: &[u8]) -> Result<Vec<u8>> {
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCV", b"cLLI",
    ];
    let signature = slice(bytes, 0, 8)?;
    if signature != b"\x89PNG\r\n\x1a\n" {
        return Err(Corrupt("not a PNG"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(signature);
    let mut at = 8;
    loop {
        let len = u32_be(bytes, at)?;
        let kind = slice(bytes, at + 4, 4)?;
        let chunk = slice(bytes, at, len.checked_add(12).ok_or(Corrupt("bad length"))?)?;
        let oversized_profile = kind == b"iCCP" && len > MAX_PNG_ICC_BYTES;
        if KEEP.iter().any(|k| &k[..] == kind) && !oversized_profile {
            out.extend_from_slice(chunk);
        }
        at += chunk.len();
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// WebP: keeps only the chunks that make the picture (`VP8 `, `VP8L`, `VP8X`, `ALPH`,
/// `ANIM`, `ANMF`, `ICCP`), clearing the EXIF and XMP flags in `VP8X`. The RIFF length must
/// be the file's.
pub fn webp(bytes: &[u8]) -> Result<Vec<u8>> {
    if slice(bytes, 0, 4)? != b"RIFF" || slice(bytes, 8, 4)? != b"WEBP" {
        return Err(Corrupt("not a WebP file"));
    }
    let riff_len = u32_le(bytes, 4)?;
    let end = riff_len.checked_add(8).ok_or(Corrupt("bad length"))?;
    if end != bytes.len() {
        return Err(Corrupt("the WebP length does not match the file"));
    }
    let mut chunks = Vec::with_capacity(bytes.len());
    let mut pictures = 0;
    let mut at = 12;
    while at < bytes.len() {
        let kind = slice(bytes, at, 4)?;
        let len = u32_le(bytes, at + 4)?;
        let padded = len + (len & 1);
        let chunk = slice(bytes, at, 8 + padded)?;
        match kind {
            b"VP8X" => {
                let mut c = chunk.to_vec();
                if let Some(flags) = c.get_mut(8) {
                    *flags &= !(0x08 | 0x04);
                }
                chunks.extend_from_slice(&c);
            }
            b"VP8 " | b"VP8L" | b"ANMF" => {
                pictures += 1;
                chunks.extend_from_slice(chunk);
            }
            b"ALPH" | b"ANIM" | b"ICCP" => chunks.extend_from_slice(chunk),
            _ => {}
        }
        at += 8 + padded;
    }
    if pictures == 0 {
        return Err(Corrupt("the WebP file holds no picture"));
    }
    let size = u32::try_from(chunks.len() + 4).map_err(|_| Corrupt("bad length"))?;
    let mut out = Vec::with_capacity(chunks.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Ok(out)
}

/// GIF: keeps the frames, their graphic controls and the loop count (nothing else of the
/// `NETSCAPE2.0` block); drops comments, plain text and every other extension.
pub fn gif(bytes: &[u8]) -> Result<Vec<u8>> {
    let header = slice(bytes, 0, 13)?;
    if !(header.starts_with(b"GIF87a") || header.starts_with(b"GIF89a")) {
        return Err(Corrupt("not a GIF"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(header);
    let mut at = 13;
    let flags = header[10];
    if flags & 0x80 != 0 {
        let table = 3 * (1usize << ((flags & 0x07) + 1));
        out.extend_from_slice(slice(bytes, at, table)?);
        at += table;
    }
    // The sub-blocks starting at `from`, through their terminator; returns the end.
    let sub_blocks = |from: usize| -> Result<usize> {
        let mut at = from;
        loop {
            let n = usize::from(
                *bytes
                    .get(at)
                    .ok_or(Corrupt("the file ends early (truncated?)"))?,
            );
            at += 1;
            if n == 0 {
                return Ok(at);
            }
            slice(bytes, at, n)?;
            at += n;
        }
    };
    loop {
        let block = *bytes
            .get(at)
            .ok_or(Corrupt("the file ends early (truncated?)"))?;
        match block {
            0x3B => {
                out.push(0x3B);
                return Ok(out);
            }
            0x21 => {
                let label = *bytes
                    .get(at + 1)
                    .ok_or(Corrupt("the file ends early (truncated?)"))?;
                let end = sub_blocks(at + 2)?;
                match label {
                    0xF9 => out.extend_from_slice(&bytes[at..end]),
                    0xFF => {
                        let sized = bytes.get(at + 2) == Some(&11);
                        let id = slice(bytes, at + 3, 11).unwrap_or_default();
                        let first = slice(bytes, at + 14, 4).unwrap_or_default();
                        let is_loop = sized
                            && (id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0")
                            && first.first() == Some(&3)
                            && first.get(1) == Some(&1);
                        if is_loop {
                            // The loop sub-block alone, then the terminator.
                            out.extend_from_slice(&bytes[at..at + 18]);
                            out.push(0);
                        }
                    }
                    _ => {}
                }
                at = end;
            }
            0x2C => {
                let descriptor = slice(bytes, at, 10)?;
                let mut end = at + 10;
                if descriptor[9] & 0x80 != 0 {
                    let table = 3 * (1usize << ((descriptor[9] & 0x07) + 1));
                    slice(bytes, end, table)?;
                    end += table;
                }
                slice(bytes, end, 1)?; // LZW minimum code size
                end = sub_blocks(end + 1)?;
                out.extend_from_slice(&bytes[at..end]);
                at = end;
            }
            _ => return Err(Corrupt("a GIF block of unknown kind")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_loses_exif_and_comments_but_keeps_jfif_and_orientation() {
        let exif = [b"Exif\0\0GPS-SECRET".as_slice()].concat();
        let mut file = vec![0xFF, 0xD8];
        // JFIF 1.1, no units, 1×1 density, a 1×1 thumbnail of secret pixels.
        file.extend_from_slice(&[
            0xFF, 0xE0, 0, 19, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 1, 1,
        ]);
        file.extend_from_slice(b"THM");
        file.extend_from_slice(&[0xFF, 0xE0, 0, 9, b'J', b'F', b'X', b'X', 0, b'G', b'P']);
        file.extend_from_slice(&[0xFF, 0xF3, 0, 6, b'J', b'P', b'G', b'3']);
        file.extend_from_slice(&[0xFF, 0xE1, 0, (exif.len() + 2) as u8]);
        file.extend_from_slice(&exif);
        file.extend_from_slice(&[0xFF, 0xFE, 0, 8, b'c', b'a', b'm', b'e', b'r', b'a']);
        file.extend_from_slice(&[0xFF, 0xDA, 0, 2, 1, 2, 0xFF, 0x00, 3, 0xFF, 0xD0, 4]);
        file.extend_from_slice(&[0xFF, 0xD9]);
        let out = jpeg(&file, 6).unwrap();
        assert!(!contains(&out, b"GPS-SECRET"));
        assert!(!contains(&out, b"camera"));
        assert!(contains(&out, b"JFIF"));
        assert!(!contains(&out, b"THM"), "the JFIF thumbnail goes");
        assert!(!contains(&out, b"JFXX") && !contains(&out, b"JPG3"));
        assert!(contains(
            &out,
            &[1, 2, 0xFF, 0x00, 3, 0xFF, 0xD0, 4, 0xFF, 0xD9]
        ));
        assert!(
            contains(&out, &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6]),
            "orientation kept"
        );
        assert!(
            jpeg(&file[..file.len() - 5], 1).is_err(),
            "truncated data is refused"
        );
    }

    #[test]
    fn png_loses_text_and_exif_chunks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let png_bytes = [
            b"\x89PNG\r\n\x1a\n".to_vec(),
            chunk(b"IHDR", &[0; 13]),
            chunk(b"tEXt", b"GPS\0lat=33.3"),
            chunk(b"eXIf", b"MM\0*secret"),
            chunk(b"iCCP", &[b'p'; MAX_PNG_ICC_BYTES + 1]),
            chunk(b"IDAT", b"pixels"),
            chunk(b"IEND", b""),
        ]
        .concat();
        let out = png(&png_bytes).unwrap();
        assert!(!contains(&out, b"lat=33.3") && !contains(&out, b"secret"));
        assert!(!contains(&out, b"iCCP"), "an oversized profile goes");
        assert!(contains(&out, b"pixels"));
        assert!(
            png(&png_bytes[..png_bytes.len() - 12]).is_err(),
            "no IEND: truncated"
        );
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_their_flags() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let body = [
            chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            chunk(b"VP8L", b"pixels"),
            chunk(b"EXIF", b"GPS secret"),
            chunk(b"XMP ", b"<x:xmpmeta/>"),
            chunk(b"ICMT", b"comment secret"),
        ]
        .concat();
        let mut webp_bytes = b"RIFF".to_vec();
        webp_bytes.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        webp_bytes.extend_from_slice(b"WEBP");
        webp_bytes.extend_from_slice(&body);
        let out = webp(&webp_bytes).unwrap();
        assert!(!contains(&out, b"GPS secret") && !contains(&out, b"xmpmeta"));
        assert!(!contains(&out, b"comment secret"), "unknown chunks go");
        let mut short = webp_bytes.clone();
        short[4] = 4;
        assert!(
            webp(&short).is_err(),
            "a RIFF length that is not the file's"
        );
        assert_eq!(out[20], 0x00, "EXIF and XMP flags cleared");
        assert_eq!(u32_le(&out, 4).unwrap(), out.len() - 8);
    }

    #[test]
    fn gif_loses_comments_and_keeps_the_loop() {
        let mut g = b"GIF89a".to_vec();
        g.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]); // 1×1, global table of 2
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        g.extend_from_slice(&[0x21, 0xFF, 11]);
        g.extend_from_slice(b"NETSCAPE2.0");
        g.extend_from_slice(&[3, 1, 0, 0, 0]);
        g.extend_from_slice(&[0x21, 0xFE, 6]);
        g.extend_from_slice(b"secret");
        g.push(0);
        g.extend_from_slice(&[0x21, 0x01, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        g.extend_from_slice(b"plain");
        g.push(0);
        g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B]);
        let out = gif(&g).unwrap();
        assert!(!contains(&out, b"secret") && !contains(&out, b"plain"));
        assert!(contains(&out, b"NETSCAPE2.0"));
        assert!(gif(&g[..g.len() - 1]).is_err());
    }
}
