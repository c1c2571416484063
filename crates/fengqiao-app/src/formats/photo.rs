//! Photos citizens and staff upload: JPEG or PNG only (told by their bytes, not their name),
//! at most [`PHOTO_MAX_BYTES`] each. What a phone writes into a photo — the place it was taken,
//! the device, the owner's name — is taken out before the photo is kept, so a photo never
//! carries more than it shows; the place (EXIF GPS) is kept beside it for staff.

/// Largest photo accepted: phones write 2–6 MB.
pub const PHOTO_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Photos on one report.
pub const PHOTOS_PER_CASE_MAX: usize = 9;

/// A checked photo, its metadata removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Where the phone says it was taken (WGS-84), when it says so.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Why a file is not accepted as a photo, in words for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("照片不能超过 {} MB", PHOTO_MAX_BYTES / 1024 / 1024)]
    TooBig,
    #[error("只能上传 JPG 或 PNG 格式的照片")]
    NotAnImage,
    #[error("照片文件已损坏，请重新拍摄或选择")]
    Damaged,
}

/// Checks a file and strips its metadata.
pub fn parse(bytes: &[u8]) -> Result<Photo, PhotoError> {
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(PhotoError::TooBig);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (clean, gps) = jpeg(bytes)?;
        Ok(Photo {
            content_type: "image/jpeg",
            bytes: clean,
            latitude: gps.map(|g| g.0),
            longitude: gps.map(|g| g.1),
        })
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Photo {
            content_type: "image/png",
            bytes: png(bytes)?,
            latitude: None,
            longitude: None,
        })
    } else {
        Err(PhotoError::NotAnImage)
    }
}

/// Latitude and longitude, in degrees.
type Gps = (f64, f64);

/// A JPEG without its APPn segments other than JFIF (APP0) and Adobe (APP14, which decoders
/// need for colours) and without comments; and the GPS position its EXIF segment held.
fn jpeg(b: &[u8]) -> Result<(Vec<u8>, Option<Gps>), PhotoError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut gps = None;
    let mut i = 2;
    loop {
        if i + 4 > b.len() || b[i] != 0xFF {
            return Err(PhotoError::Damaged);
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            // Fill byte.
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > b.len() {
            return Err(PhotoError::Damaged);
        }
        let segment = &b[i..i + 2 + len];
        match marker {
            // Start of scan: the image data runs to the end.
            0xDA => {
                out.extend_from_slice(&b[i..]);
                return Ok((out, gps));
            }
            0xE1 => {
                let body = &segment[4..];
                if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                    gps = gps.or_else(|| exif_gps(tiff));
                }
            }
            0xE2..=0xED | 0xEF | 0xFE => {}
            _ => out.extend_from_slice(segment),
        }
        i += 2 + len;
    }
}

/// A PNG with only the chunks that draw it (no text, time or EXIF chunks).
fn png(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut out = b[..8].to_vec();
    let mut i = 8;
    while i < b.len() {
        if i + 12 > b.len() {
            return Err(PhotoError::Damaged);
        }
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let end = i
            .checked_add(12)
            .and_then(|x| x.checked_add(len))
            .filter(|&e| e <= b.len())
            .ok_or(PhotoError::Damaged)?;
        let kind = &b[i + 4..i + 8];
        if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(&b[i..end]);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
        i = end;
    }
    Err(PhotoError::Damaged)
}

/// Latitude and longitude from an EXIF block (a TIFF structure): IFD0 → GPS IFD → tags 1–4.
fn exif_gps(t: &[u8]) -> Option<Gps> {
    let le = match t.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let s = t.get(o..o + 2)?;
        Some(if le {
            u16::from_le_bytes([s[0], s[1]])
        } else {
            u16::from_be_bytes([s[0], s[1]])
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let s = t.get(o..o + 4)?;
        Some(if le {
            u32::from_le_bytes([s[0], s[1], s[2], s[3]])
        } else {
            u32::from_be_bytes([s[0], s[1], s[2], s[3]])
        })
    };
    // (tag, type, count, value or offset)
    let entries = |ifd: usize| -> Option<Vec<(u16, u16, u32, usize)>> {
        let n = u16_at(ifd)? as usize;
        (0..n.min(256))
            .map(|k| {
                let e = ifd + 2 + 12 * k;
                Some((u16_at(e)?, u16_at(e + 2)?, u32_at(e + 4)?, e + 8))
            })
            .collect()
    };
    let ifd0 = u32_at(4)? as usize;
    let gps_ifd = entries(ifd0)?
        .into_iter()
        .find(|e| e.0 == 0x8825)
        .and_then(|e| u32_at(e.3))? as usize;
    let gps = entries(gps_ifd)?;
    let text = |tag: u16| -> Option<u8> {
        let e = gps.iter().find(|e| e.0 == tag)?;
        t.get(e.3).copied()
    };
    // Three RATIONALs (degrees, minutes, seconds) at an offset.
    let dms = |tag: u16| -> Option<f64> {
        let e = gps.iter().find(|e| e.0 == tag && e.1 == 5 && e.2 == 3)?;
        let at = u32_at(e.3)? as usize;
        let part = |k: usize| -> Option<f64> {
            let (n, d) = (u32_at(at + 8 * k)?, u32_at(at + 8 * k + 4)?);
            (d != 0).then(|| n as f64 / d as f64)
        };
        Some(part(0)? + part(1)? / 60.0 + part(2)? / 3600.0)
    };
    let mut lat = dms(2)?;
    let mut lon = dms(4)?;
    if text(1) == Some(b'S') {
        lat = -lat;
    }
    if text(3) == Some(b'W') {
        lon = -lon;
    }
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal JPEG: SOI, an EXIF APP1 with a GPS position (30°0'0"N, 120°30'0"E, written
    /// big-endian as a camera would), a comment, a JFIF APP0, and a scan.
    pub fn jpeg_with_gps() -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
        // IFD0: one entry, the GPS IFD pointer → offset 26.
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
        tiff.extend_from_slice(&26u32.to_be_bytes());
        tiff.extend_from_slice(&0u32.to_be_bytes());
        // GPS IFD at 26: four entries (2 + 48 + 4 bytes) → rationals at 80.
        tiff.extend_from_slice(&4u16.to_be_bytes());
        let entry = |tag: u16, ty: u16, count: u32, value: [u8; 4]| {
            let mut e = tag.to_be_bytes().to_vec();
            e.extend_from_slice(&ty.to_be_bytes());
            e.extend_from_slice(&count.to_be_bytes());
            e.extend_from_slice(&value);
            e
        };
        tiff.extend(entry(1, 2, 2, *b"N\0\0\0"));
        tiff.extend(entry(2, 5, 3, 80u32.to_be_bytes()));
        tiff.extend(entry(3, 2, 2, *b"E\0\0\0"));
        tiff.extend(entry(4, 5, 3, 104u32.to_be_bytes()));
        tiff.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(tiff.len(), 80);
        for (n, d) in [(30u32, 1u32), (0, 1), (0, 1), (120, 1), (30, 1), (0, 1)] {
            tiff.extend_from_slice(&n.to_be_bytes());
            tiff.extend_from_slice(&d.to_be_bytes());
        }
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let segment = |marker: u8, body: &[u8]| {
            let mut s = vec![0xFF, marker];
            s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(body);
            s
        };
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(segment(0xE1, &app1));
        j.extend(segment(0xFE, "拍摄者 王小明".as_bytes()));
        j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
        j.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn a_jpeg_loses_its_metadata_and_keeps_its_place_for_staff() {
        let p = parse(&jpeg_with_gps()).unwrap();
        assert_eq!(p.content_type, "image/jpeg");
        assert!((p.latitude.unwrap() - 30.0).abs() < 1e-9);
        assert!((p.longitude.unwrap() - 120.5).abs() < 1e-9);
        let has = |needle: &[u8]| p.bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"Exif"), "EXIF removed");
        assert!(!has("王小明".as_bytes()), "comment removed");
        assert!(has(b"JFIF"), "JFIF kept");
        assert!(p.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]), "scan kept");
    }

    #[test]
    fn a_png_loses_its_text_chunks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"tEXt", b"Author\0Wang"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let p = parse(&png).unwrap();
        assert_eq!(p.content_type, "image/png");
        assert!(!p.bytes.windows(4).any(|w| w == b"Wang"));
        assert!(p.bytes.windows(4).any(|w| w == b"IDAT"));
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        assert_eq!(parse(b"GIF89a...."), Err(PhotoError::NotAnImage));
        assert_eq!(parse(b"%PDF-1.7"), Err(PhotoError::NotAnImage));
        assert_eq!(
            parse(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 200]),
            Err(PhotoError::Damaged)
        );
        let big = [&[0xFF, 0xD8, 0xFF][..], &vec![0; PHOTO_MAX_BYTES]].concat();
        assert_eq!(parse(&big), Err(PhotoError::TooBig));
    }
}
