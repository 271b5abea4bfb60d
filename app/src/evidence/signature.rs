//! Signatures drawn on screen: pen strokes rendered as a deterministic PNG
//! (stored as evidence, category 签名) and as the path the pad shows.

use std::io::Cursor;

/// Width and height of the signature pad in logical pixels.
pub const PAD: (f32, f32) = (328.0, 160.0);

/// Renders pen strokes (pad coordinates) as a black-on-white PNG at twice
/// the pad's resolution. The same strokes give the same bytes.
pub fn signature_png(strokes: &[Vec<(f32, f32)>]) -> Vec<u8> {
    let scale = 2.0;
    let (w, h) = ((PAD.0 * scale) as u32, (PAD.1 * scale) as u32);
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let radius = 2.5 * scale;
    let mut dot = |x: f32, y: f32| {
        let r = radius.ceil() as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                if ((dx * dx + dy * dy) as f32) <= radius * radius {
                    let (px, py) = (x as i64 + dx, y as i64 + dy);
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        img.put_pixel(px as u32, py as u32, image::Luma([0]));
                    }
                }
            }
        }
    };
    for stroke in strokes {
        let pts: Vec<(f32, f32)> = stroke.iter().map(|(x, y)| (x * scale, y * scale)).collect();
        if let [only] = pts.as_slice() {
            dot(only.0, only.1);
        }
        for seg in pts.windows(2) {
            let ((x0, y0), (x1, y1)) = (seg[0], seg[1]);
            let steps = ((x1 - x0).abs().max((y1 - y0).abs()) / 1.5).ceil().max(1.0) as u32;
            for i in 0..=steps {
                let t = i as f32 / steps as f32;
                dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            }
        }
    }
    let mut out = Cursor::new(Vec::new());
    // Writing PNG into memory cannot fail for a valid grey image.
    let _ = img.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// Pen strokes as an SVG path (what the pad shows while drawing).
pub fn strokes_path(strokes: &[Vec<(f32, f32)>]) -> String {
    let mut s = String::new();
    for stroke in strokes {
        for (i, (x, y)) in stroke.iter().enumerate() {
            s.push_str(if i == 0 { "M " } else { " L " });
            s.push_str(&format!("{x:.1} {y:.1}"));
        }
        if stroke.len() == 1 {
            s.push_str(" l 0.5 0.5");
        }
        s.push(' ');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_render_the_same_bytes_and_show_ink() {
        let strokes = vec![
            vec![(10.0, 10.0), (100.0, 80.0), (200.0, 20.0)],
            vec![(50.0, 120.0)],
        ];
        let a = signature_png(&strokes);
        assert_eq!(a, signature_png(&strokes));
        let img = image::load_from_memory(&a).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (656, 320));
        let ink = img.pixels().filter(|p| p.0[0] == 0).count();
        assert!(ink > 1000, "{ink} black pixels");
        assert!(strokes_path(&strokes).starts_with("M 10.0 10.0 L 100.0 80.0"));
    }
}
