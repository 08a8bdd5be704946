//! Product image uploads (admin issue, item 5; CCSG-V-2 and CCSG-V-4): only real photos get in.
//!
//! An upload is judged by its bytes, never by its file name or declared type: it must sniff as
//! JPEG, PNG or WebP (so a script renamed `.jpg`, an SVG, a PHP file or an HTML page is refused);
//! its header's dimensions are checked before any pixel is decoded (so a small file claiming a
//! gigapixel canvas — a decompression bomb — is refused without allocating it), and the decoder
//! runs under allocation limits as a second wall. The picture is then **re-encoded** (JPEG, or PNG
//! when it has transparency), scaled down to at most [`OUTPUT_MAX_SIDE`] pixels: whatever else the
//! file carried (EXIF with the shop's GPS position, comments, polyglot payloads, trailing data)
//! does not survive. The result is stored in the database under a random name (ADR 014), never in
//! a directory a web server serves, and served with its own content type and `nosniff`.

use std::io::Cursor;

use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Limits};

/// Largest upload accepted (bytes).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Longest side accepted in an upload.
pub const MAX_SIDE: u32 = 8_000;
/// Most pixels accepted in an upload (e.g. 8,000 × 5,000).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest side of a stored image; larger uploads are scaled down.
pub const OUTPUT_MAX_SIDE: u32 = 2_048;
/// Memory the decoder may allocate.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Why an upload is not a product image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageRejected {
    #[error("the file is larger than 10 MB")]
    TooLarge,
    #[error("the file is not a JPEG, PNG or WebP picture")]
    NotAnImage,
    #[error("the picture has too many pixels")]
    TooManyPixels,
    #[error("the picture is damaged")]
    Damaged,
}

/// A re-encoded image, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

impl CleanImage {
    /// The image to store for `product` under a new random name (`[0-9a-f]{32}` and the
    /// extension of its type).
    pub fn into_new(
        self,
        product: akinai_domain::ids::ProductId,
        at: chrono::DateTime<chrono::Utc>,
        source: Option<String>,
    ) -> akinai_store::catalog_admin::NewProductImage {
        let ext = if self.content_type == "image/png" {
            "png"
        } else {
            "jpg"
        };
        akinai_store::catalog_admin::NewProductImage {
            product,
            name: akinai_domain::ids::ImageName(format!(
                "{}.{ext}",
                &crate::tokens::generate().secret[..32]
            )),
            content_type: self.content_type.to_string(),
            width: self.width,
            height: self.height,
            bytes: self.bytes,
            at,
            source,
        }
    }
}

/// Checks, decodes and re-encodes an upload. CPU-bound: call it off the async threads.
pub fn clean(upload: &[u8]) -> Result<CleanImage, ImageRejected> {
    clean_within(upload, OUTPUT_MAX_SIDE)
}

/// [`clean`], scaled down so that neither side exceeds `max_side` (the shape kept): a product
/// photo at [`OUTPUT_MAX_SIDE`], the shop's logo smaller.
pub fn clean_within(upload: &[u8], max_side: u32) -> Result<CleanImage, ImageRejected> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(ImageRejected::TooLarge);
    }
    let format = image::guess_format(upload).map_err(|_| ImageRejected::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(ImageRejected::NotAnImage);
    }
    let reader = || {
        let mut r = ImageReader::with_format(Cursor::new(upload), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_DECODE_ALLOC);
        r.limits(limits);
        r
    };
    let (w, h) = reader().into_dimensions().map_err(|e| rejection(&e))?;
    if w == 0 || h == 0 {
        return Err(ImageRejected::Damaged);
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(ImageRejected::TooManyPixels);
    }
    let picture = reader().decode().map_err(|e| rejection(&e))?;
    let picture = if w.max(h) > max_side {
        picture.resize(max_side, max_side, image::imageops::FilterType::Triangle)
    } else {
        picture
    };
    encode(&picture)
}

/// A stored image scaled down to `width` pixels wide (same format, aspect kept), for `srcset`;
/// `None` when it is no wider than that already (the original is served). CPU-bound: call it
/// off the async threads.
pub fn scaled(stored: &[u8], width: u32) -> Result<Option<CleanImage>, ImageRejected> {
    let format = image::guess_format(stored).map_err(|_| ImageRejected::NotAnImage)?;
    let mut reader = ImageReader::with_format(Cursor::new(stored), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| rejection(&e))?;
    if picture.width() <= width {
        return Ok(None);
    }
    let smaller = picture.resize(width, u32::MAX, image::imageops::FilterType::Triangle);
    encode(&smaller).map(Some)
}

fn rejection(e: &image::ImageError) -> ImageRejected {
    match e {
        image::ImageError::Limits(_) => ImageRejected::TooManyPixels,
        image::ImageError::Unsupported(_) => ImageRejected::NotAnImage,
        _ => ImageRejected::Damaged,
    }
}

fn encode(picture: &DynamicImage) -> Result<CleanImage, ImageRejected> {
    let (width, height) = picture.dimensions();
    let mut out = Cursor::new(Vec::new());
    let content_type = if picture.color().has_alpha() {
        picture
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|_| ImageRejected::Damaged)?;
        "image/png"
    } else {
        let rgb = DynamicImage::ImageRgb8(picture.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        rgb.write_with_encoder(encoder)
            .map_err(|_| ImageRejected::Damaged)?;
        "image/jpeg"
    };
    Ok(CleanImage {
        bytes: out.into_inner(),
        content_type,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_photo_is_re_encoded_and_scaled_down() {
        let clean = clean(&jpeg(3000, 1500)).unwrap();
        assert_eq!(clean.content_type, "image/jpeg");
        assert_eq!((clean.width, clean.height), (2048, 1024));
        assert_eq!(
            image::guess_format(&clean.bytes).unwrap(),
            ImageFormat::Jpeg
        );
    }

    #[test]
    fn an_upload_is_bounded_on_its_longer_side_with_its_shape_kept() {
        let tall = clean_within(&jpeg(300, 1200), 800).unwrap();
        assert_eq!((tall.width, tall.height), (200, 800));
        let small = clean_within(&jpeg(120, 40), 800).unwrap();
        assert_eq!((small.width, small.height), (120, 40), "never scaled up");
    }

    #[test]
    fn stored_images_scale_down_to_a_width_and_never_up() {
        let stored = clean(&jpeg(1600, 1200)).unwrap();
        let small = scaled(&stored.bytes, 320).unwrap().unwrap();
        assert_eq!(
            (small.width, small.height, small.content_type),
            (320, 240, "image/jpeg")
        );
        assert!(small.bytes.len() < stored.bytes.len() / 4);
        assert_eq!(
            scaled(&stored.bytes, 1600).unwrap(),
            None,
            "not wider: the original"
        );
    }

    #[test]
    fn transparency_is_kept_as_png() {
        let img = RgbaImage::from_pixel(10, 10, Rgba([1, 2, 3, 128]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(img)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        let clean = clean(&out.into_inner()).unwrap();
        assert_eq!(clean.content_type, "image/png");
    }

    #[test]
    fn ccsg_v_2_what_is_not_a_photo_is_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let php = b"<?php system($_GET['c']); ?>";
        let mut disguised = b"GIF89a".to_vec();
        disguised.extend_from_slice(b"<script>alert(1)</script>");
        for (name, bytes) in [
            ("svg", svg.to_vec()),
            ("php", php.to_vec()),
            ("gif header + script", disguised),
            ("empty", Vec::new()),
        ] {
            assert_eq!(clean(&bytes), Err(ImageRejected::NotAnImage), "{name}");
        }
        // A real JPEG header followed by garbage is damaged, not stored.
        let mut broken = jpeg(20, 20);
        broken.truncate(40);
        assert_eq!(clean(&broken), Err(ImageRejected::Damaged));
        assert_eq!(
            clean(&vec![0xFF; MAX_UPLOAD_BYTES + 1]),
            Err(ImageRejected::TooLarge)
        );
    }

    #[test]
    fn ccsg_v_2_a_decompression_bomb_is_refused_before_decoding() {
        // A valid PNG header announcing 30,000 × 30,000 pixels in a few bytes of data.
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&30_000u32.to_be_bytes());
        ihdr.extend_from_slice(&30_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        assert_eq!(clean(&png), Err(ImageRejected::TooManyPixels));
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in data {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
