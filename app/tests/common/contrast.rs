//! Contrast measured on rendered pixels (WCAG 2.x relative luminance).
#![allow(dead_code)]

use std::collections::HashMap;

use image::{Rgb, RgbImage};

/// Relative luminance of an sRGB colour.
pub fn luminance(c: Rgb<u8>) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// Contrast ratio of two colours (1–21).
pub fn ratio(a: Rgb<u8>, b: Rgb<u8>) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Pixels of a rectangle (clamped to the image).
pub fn pixels(img: &RgbImage, (x0, y0, x1, y1): (f32, f32, f32, f32)) -> Vec<Rgb<u8>> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (x0, x1) = (x0.max(0.0).floor() as u32, x1.min(w).ceil() as u32);
    let (y0, y1) = (y0.max(0.0).floor() as u32, y1.min(h).ceil() as u32);
    let mut out = Vec::new();
    for y in y0..y1 {
        for x in x0..x1 {
            out.push(*img.get_pixel(x, y));
        }
    }
    out
}

/// The most common colour (the background of a text or the page).
pub fn mode(px: &[Rgb<u8>]) -> Option<Rgb<u8>> {
    let mut n: HashMap<[u8; 3], usize> = HashMap::new();
    for p in px {
        *n.entry(p.0).or_default() += 1;
    }
    n.into_iter()
        .max_by_key(|(c, k)| (*k, *c))
        .map(|(c, _)| Rgb(c))
}

/// The colour standing out most from `bg`, and its contrast.
pub fn strongest(px: &[Rgb<u8>], bg: Rgb<u8>) -> Option<(Rgb<u8>, f64)> {
    px.iter()
        .map(|p| (*p, ratio(*p, bg)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The ring of pixels between `inner` px inside and `outer` px outside a
/// rectangle's edge.
pub fn ring(
    img: &RgbImage,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    inner: f32,
    outer: f32,
) -> Vec<Rgb<u8>> {
    let outside = pixels(img, (x0 - outer, y0 - outer, x1 + outer, y1 + outer));
    let (ix0, iy0, ix1, iy1) = (x0 + inner, y0 + inner, x1 - inner, y1 - inner);
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (sx, sy) = ((x0 - outer).max(0.0).floor(), (y0 - outer).max(0.0).floor());
    let cols = ((x1 + outer).min(w).ceil() - sx) as usize;
    outside
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            let (x, y) = (sx + (i % cols.max(1)) as f32, sy + (i / cols.max(1)) as f32);
            let _ = h;
            !(x >= ix0 && x < ix1 && y >= iy0 && y < iy1)
        })
        .map(|(_, p)| p)
        .collect()
}
