//! Text in PNG figures, placed glyph by glyph.
//!
//! plotters 0.3.7 (`style/font/ab_glyph.rs`) draws each glyph of a string with the left edge
//! of its ink at the pen position, truncated to whole pixels. It drops the glyph's left side
//! bearing, so the gaps between letters vary by a pixel or two and "Ankle boot" reads
//! "Ankl e boot". The SVG backend writes text as `<text>` elements and is not affected.
//!
//! A PNG is therefore drawn in two passes. The figure is first drawn to SVG, and the
//! `<text>` elements of that SVG (positions, anchors, sizes, colors and rotations, including
//! the text plotters draws for chart captions, tick labels and legends) are read back. Then
//! the figure is drawn to the bitmap with transparent text, and each string is drawn on
//! top one glyph at a time. The pen advances by the font's advance widths and kerning
//! pairs, and each glyph's outline origin is put at the pen position rounded to a pixel.
//! plotters still rasterises each glyph, so the coverage and anti-aliasing are its own.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;
use plotters_svg::SVGBackend;

use super::{plot_error, Area, FONT_BYTES};
use crate::{Error, Result};

/// A drawing backend that a figure is drawn on.
pub(super) trait Canvas: DrawingBackend {
    /// Whether text is drawn by plotters on this backend. On the bitmap backend it is
    /// transparent, and [`draw_svg_texts`] draws it afterwards.
    const DRAWS_TEXT: bool;
}

impl Canvas for SVGBackend<'_> {
    const DRAWS_TEXT: bool = true;
}

impl Canvas for BitMapBackend<'_> {
    const DRAWS_TEXT: bool = false;
}

// ---------------------------------------------------------------------------------------------
// Font metrics read from the TrueType tables
// ---------------------------------------------------------------------------------------------

/// Horizontal metrics of the embedded font, read from its `hhea`, `hmtx`, `cmap` (format 4),
/// `loca`, `glyf` and `kern` (format 0) tables, in font units.
struct FontMetrics {
    data: &'static [u8],
    /// Ascent minus descent from `hhea`: ab_glyph scales the font so that this is `size` pixels.
    height: f32,
    /// Depth of the descenders below the baseline, from `hhea`.
    descent: f32,
    units_per_em: f32,
    hmtx: usize,
    horizontal_metrics: usize,
    cmap: usize,
    loca: usize,
    long_loca: bool,
    glyf: usize,
    /// Offset of the first kerning pair and the number of pairs, if the font has a format 0
    /// horizontal kerning subtable.
    kern_pairs: Option<(usize, usize)>,
}

/// Metrics that place one glyph: its advance and the left and top of its outline.
struct GlyphMetrics {
    advance: f32,
    /// `None` for a glyph without outline, such as the space.
    bounds: Option<(f32, f32)>,
}

fn font_error(table: &str) -> Error {
    Error::Plot(format!(
        "the embedded font's {table} table could not be read"
    ))
}

impl FontMetrics {
    fn new(data: &'static [u8]) -> Result<Self> {
        let reader = Reader(data);
        let table = |tag: &[u8; 4]| -> Result<usize> {
            let count = usize::from(reader.u16(4).ok_or_else(|| font_error("table directory"))?);
            (0..count)
                .map(|index| 12 + 16 * index)
                .find(|&record| data.get(record..record + 4) == Some(tag.as_slice()))
                .and_then(|record| reader.u32(record + 8))
                .map(|offset| offset as usize)
                .ok_or_else(|| font_error(&String::from_utf8_lossy(tag)))
        };

        let head = table(b"head")?;
        let hhea = table(b"hhea")?;
        let ascent = reader.i16(hhea + 4).ok_or_else(|| font_error("hhea"))?;
        let descent = reader.i16(hhea + 6).ok_or_else(|| font_error("hhea"))?;
        let horizontal_metrics =
            usize::from(reader.u16(hhea + 34).ok_or_else(|| font_error("hhea"))?);
        let long_loca = reader.i16(head + 50).ok_or_else(|| font_error("head"))? == 1;
        let units_per_em = reader.u16(head + 18).ok_or_else(|| font_error("head"))?;

        let cmap = Self::find_cmap_format_4(&reader, table(b"cmap")?)?;
        let kern_pairs = table(b"kern")
            .ok()
            .and_then(|kern| Self::find_kern_pairs(&reader, kern));

        Ok(FontMetrics {
            data,
            height: f32::from(ascent) - f32::from(descent),
            descent: -f32::from(descent),
            units_per_em: f32::from(units_per_em.max(1)),
            hmtx: table(b"hmtx")?,
            horizontal_metrics,
            cmap,
            loca: table(b"loca")?,
            long_loca,
            glyf: table(b"glyf")?,
            kern_pairs,
        })
    }

    /// Returns the offset of the Windows Unicode BMP (platform 3, encoding 1) subtable.
    fn find_cmap_format_4(reader: &Reader, cmap: usize) -> Result<usize> {
        let count = usize::from(reader.u16(cmap + 2).ok_or_else(|| font_error("cmap"))?);
        (0..count)
            .map(|index| cmap + 4 + 8 * index)
            .find(|&record| reader.u16(record) == Some(3) && reader.u16(record + 2) == Some(1))
            .and_then(|record| reader.u32(record + 4))
            .map(|offset| cmap + offset as usize)
            .filter(|&subtable| reader.u16(subtable) == Some(4))
            .ok_or_else(|| font_error("cmap"))
    }

    /// Returns the first pair and the pair count of a version 0, format 0 horizontal `kern`
    /// table, which is what ab_glyph 0.2 applies.
    fn find_kern_pairs(reader: &Reader, kern: usize) -> Option<(usize, usize)> {
        if reader.u16(kern)? != 0 || reader.u16(kern + 2)? == 0 {
            return None;
        }
        let subtable = kern + 4;
        let coverage = reader.u16(subtable + 4)?;
        // Coverage bit 0 marks horizontal kerning, and the high byte is the subtable format.
        if coverage & 1 == 0 || coverage >> 8 != 0 {
            return None;
        }
        let pairs = usize::from(reader.u16(subtable + 6)?);
        Some((subtable + 14, pairs))
    }

    fn reader(&self) -> Reader {
        Reader(self.data)
    }

    /// Returns the glyph of `ch`, 0 (the missing-glyph box) for characters the font lacks.
    fn glyph_id(&self, ch: char) -> u16 {
        let Ok(code) = u16::try_from(u32::from(ch)) else {
            return 0;
        };
        let reader = self.reader();
        let subtable = self.cmap;
        let Some(segments) = reader.u16(subtable + 6).map(|twice| usize::from(twice / 2)) else {
            return 0;
        };
        let end_codes = subtable + 14;
        let start_codes = end_codes + 2 * segments + 2;
        let deltas = start_codes + 2 * segments;
        let range_offsets = deltas + 2 * segments;
        for segment in 0..segments {
            let Some(end) = reader.u16(end_codes + 2 * segment) else {
                return 0;
            };
            if end < code {
                continue;
            }
            let start = reader.u16(start_codes + 2 * segment).unwrap_or(u16::MAX);
            if start > code {
                return 0;
            }
            let delta = reader.u16(deltas + 2 * segment).unwrap_or(0);
            let range_offset_at = range_offsets + 2 * segment;
            let range_offset = reader.u16(range_offset_at).unwrap_or(0);
            if range_offset == 0 {
                return code.wrapping_add(delta);
            }
            let glyph_at =
                range_offset_at + usize::from(range_offset) + 2 * usize::from(code - start);
            return match reader.u16(glyph_at) {
                Some(0) | None => 0,
                Some(glyph) => glyph.wrapping_add(delta),
            };
        }
        0
    }

    fn glyph(&self, glyph: u16) -> GlyphMetrics {
        let reader = self.reader();
        let index = usize::from(glyph);
        let metric = index.min(self.horizontal_metrics.saturating_sub(1));
        let advance = f32::from(reader.u16(self.hmtx + 4 * metric).unwrap_or(0));
        let (start, end) = if self.long_loca {
            (
                reader.u32(self.loca + 4 * index),
                reader.u32(self.loca + 4 * index + 4),
            )
        } else {
            (
                reader
                    .u16(self.loca + 2 * index)
                    .map(|offset| 2 * u32::from(offset)),
                reader
                    .u16(self.loca + 2 * index + 2)
                    .map(|offset| 2 * u32::from(offset)),
            )
        };
        let bounds = match (start, end) {
            (Some(start), Some(end)) if end > start => {
                let header = self.glyf + start as usize;
                match (reader.i16(header + 2), reader.i16(header + 8)) {
                    (Some(x_min), Some(y_max)) => Some((f32::from(x_min), f32::from(y_max))),
                    _ => None,
                }
            }
            _ => None,
        };
        GlyphMetrics { advance, bounds }
    }

    /// Returns the kerning between two glyphs in font units, 0 for an unlisted pair.
    fn kerning(&self, left: u16, right: u16) -> f32 {
        let Some((first, count)) = self.kern_pairs else {
            return 0.0;
        };
        let reader = self.reader();
        let key = (u32::from(left) << 16) | u32::from(right);
        let (mut low, mut high) = (0, count);
        while low < high {
            let middle = (low + high) / 2;
            let pair = first + 6 * middle;
            let Some(found) = reader.u32(pair) else {
                return 0.0;
            };
            match found.cmp(&key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return f32::from(reader.i16(pair + 4).unwrap_or(0)),
            }
        }
        0.0
    }
}

/// Big-endian reads that return `None` past the end of the font.
struct Reader(&'static [u8]);

impl Reader {
    fn u16(&self, at: usize) -> Option<u16> {
        let bytes = self.0.get(at..at + 2)?;
        Some(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn i16(&self, at: usize) -> Option<i16> {
        self.u16(at).map(|value| value as i16)
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let bytes = self.0.get(at..at + 4)?;
        Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

// ---------------------------------------------------------------------------------------------
// Text read back from an SVG rendering
// ---------------------------------------------------------------------------------------------

/// One string of a figure, as plotters-svg 0.3.7 writes it.
#[derive(Clone)]
pub(super) struct SvgText {
    content: String,
    anchor: (i32, i32),
    /// plotters' text size: the pixel height of the font's ascent minus descent.
    size: f64,
    color: RGBColor,
    opacity: f64,
    position: Pos,
    transform: FontTransform,
}

fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!(" {name}=\"");
    let start = attributes.find(&pattern)? + pattern.len();
    let length = attributes[start..].find('"')?;
    Some(&attributes[start..start + length])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Reads the `<text>` elements of an SVG document written by plotters-svg 0.3.7.
///
/// plotters-svg writes `font-size` as the text size divided by 1.24, the vertical anchor
/// as `dy` (`0.76em` top, `0.5ex` center, `-0.5ex` bottom) and a rotation as
/// `rotate(angle, x, y)` about the anchor.
pub(super) fn svg_texts(svg: &str) -> Result<Vec<SvgText>> {
    let invalid = |what: &str| Error::Plot(format!("reading the text of the SVG failed: {what}"));
    let mut texts = Vec::new();
    for element in svg.split("<text").skip(1) {
        let (attributes, rest) = element
            .split_once('>')
            .ok_or_else(|| invalid("unclosed <text> tag"))?;
        let attributes = format!(" {}", attributes.trim_end_matches('/'));
        let content = rest
            .split_once("</text>")
            .map_or(rest, |(content, _)| content);
        let number = |name: &str| -> Result<f64> {
            attribute(&attributes, name)
                .and_then(|value| value.parse::<f64>().ok())
                .ok_or_else(|| invalid(&format!("no numeric {name}")))
        };
        let h_pos = match attribute(&attributes, "text-anchor") {
            Some("middle") => HPos::Center,
            Some("end") => HPos::Right,
            _ => HPos::Left,
        };
        let v_pos = match attribute(&attributes, "dy") {
            Some("0.5ex") => VPos::Center,
            Some("-0.5ex") => VPos::Bottom,
            _ => VPos::Top,
        };
        let transform = match attribute(&attributes, "transform") {
            Some(rotation) if rotation.starts_with("rotate(90,") => FontTransform::Rotate90,
            Some(rotation) if rotation.starts_with("rotate(180,") => FontTransform::Rotate180,
            Some(rotation) if rotation.starts_with("rotate(270,") => FontTransform::Rotate270,
            _ => FontTransform::None,
        };
        let fill = attribute(&attributes, "fill").unwrap_or("#000000");
        let channel = |range: std::ops::Range<usize>| {
            fill.get(range)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .unwrap_or(0)
        };
        // Undo the division by 1.24, dropping the rounding error of the decimal text.
        let size = (number("font-size")? * 1.24 * 1e6).round() / 1e6;
        texts.push(SvgText {
            content: unescape(content.trim_matches('\n')),
            anchor: (number("x")? as i32, number("y")? as i32),
            size,
            color: RGBColor(channel(1..3), channel(3..5), channel(5..7)),
            opacity: attribute(&attributes, "opacity")
                .and_then(|value| value.parse().ok())
                .unwrap_or(1.0),
            position: Pos::new(h_pos, v_pos),
            transform,
        });
    }
    Ok(texts)
}

// ---------------------------------------------------------------------------------------------
// Drawing glyph by glyph
// ---------------------------------------------------------------------------------------------

/// Draws `texts` on a bitmap figure, each glyph at its own pen position.
pub(super) fn draw_svg_texts(root: &Area<BitMapBackend>, texts: &[SvgText]) -> Result<()> {
    let metrics = FontMetrics::new(FONT_BYTES)?;
    for text in texts {
        draw_glyphs(root, &metrics, text)?;
    }
    Ok(())
}

fn draw_glyphs(root: &Area<BitMapBackend>, metrics: &FontMetrics, text: &SvgText) -> Result<()> {
    let scale = text.size as f32 / metrics.height;
    let glyphs: Vec<(char, u16)> = text
        .content
        .chars()
        .map(|ch| (ch, metrics.glyph_id(ch)))
        .collect();

    // Pen position of each glyph and the width of the whole string, in pixels.
    let mut pens = Vec::with_capacity(glyphs.len());
    let mut pen = 0.0f32;
    let mut previous: Option<u16> = None;
    for &(_, glyph) in &glyphs {
        if let Some(previous) = previous {
            pen += metrics.kerning(previous, glyph) * scale;
        }
        pens.push(pen);
        pen += metrics.glyph(glyph).advance * scale;
        previous = Some(glyph);
    }
    let width = pen;

    let em = metrics.units_per_em * scale;
    let cap_height = metrics
        .glyph(metrics.glyph_id('H'))
        .bounds
        .map_or(0.7 * metrics.units_per_em, |(_, top)| top)
        * scale;
    let start = match text.position.h_pos {
        HPos::Left => 0.0,
        HPos::Center => -width / 2.0,
        HPos::Right => -width,
    };
    // The same vertical anchors as the SVG: top 0.76 em above the baseline, center on
    // half the height of the capitals and digits, bottom on the descent.
    let baseline = match text.position.v_pos {
        VPos::Top => 0.76 * em,
        VPos::Center => cap_height / 2.0,
        VPos::Bottom => -metrics.descent * scale,
    };
    let baseline = baseline.round() as i32;

    let color = text.color.mix(text.opacity);
    let style = ("sans-serif", text.size)
        .into_font()
        .color(&color)
        .transform(text.transform.clone())
        .pos(Pos::new(HPos::Left, VPos::Top));
    for ((ch, glyph), pen) in glyphs.into_iter().zip(pens) {
        let Some((x_min, y_max)) = metrics.glyph(glyph).bounds else {
            continue;
        };
        // plotters draws a lone glyph with the top-left pixel of its ink at
        // (0, trunc(size / 2 + top)), where top is the ink's top row relative to the
        // baseline. Shift it so that its origin lands on the pen position.
        let left = (x_min * scale).floor() as i32;
        let top = (-y_max * scale).floor() as i32;
        let plotters_top = (text.size as f32 / 2.0 + top as f32) as i32;
        let origin = (start + pen).round() as i32;
        let offset = text
            .transform
            .transform(origin + left, baseline + top - plotters_top);
        let at = (text.anchor.0 + offset.0, text.anchor.1 + offset.1);
        root.draw_text(&ch.to_string(), &style, at)
            .map_err(plot_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> FontMetrics {
        FontMetrics::new(FONT_BYTES).expect("the embedded font parses")
    }

    /// Values from the DejaVu Sans 2.37 tables: `hhea` ascent 1901 and descent -483,
    /// `hmtx` advance 1401 for "A", and a negative `kern` pair for "A" "V".
    #[test]
    fn font_tables_read_dejavu_values() {
        let metrics = metrics();
        assert_eq!(metrics.height, 2384.0);
        assert_eq!(metrics.units_per_em, 2048.0);
        let a = metrics.glyph_id('A');
        let v = metrics.glyph_id('V');
        assert_ne!(a, 0);
        assert_eq!(metrics.glyph(a).advance, 1401.0);
        assert!(metrics.kerning(a, v) < 0.0);
        assert!(metrics.glyph(metrics.glyph_id(' ')).bounds.is_none());
        assert_eq!(metrics.glyph_id('\u{1F600}'), 0);
    }

    /// The pen positions use the same advances and kerning as plotters' text width, which
    /// the figure layouts are measured with.
    #[test]
    fn string_width_matches_plotters() {
        super::super::register_font().unwrap();
        let metrics = metrics();
        for text in ["Ankle boot", "T-shirt/top", "AVATAR", "0.25"] {
            let scale = 14.0 / metrics.height;
            let mut width = 0.0f32;
            let mut previous = None;
            for ch in text.chars() {
                let glyph = metrics.glyph_id(ch);
                if let Some(previous) = previous {
                    width += metrics.kerning(previous, glyph) * scale;
                }
                width += metrics.glyph(glyph).advance * scale;
                previous = Some(glyph);
            }
            let (plotters_width, _) = ("sans-serif", 14.0).into_font().box_size(text).unwrap();
            assert!(
                (width - plotters_width as f32).abs() <= 1.0,
                "{text}: {width} against {plotters_width}"
            );
        }
    }

    #[test]
    fn svg_texts_read_plotters_attributes() {
        let svg = r##"<svg><text x="10" y="20" dy="0.5ex" text-anchor="end" font-family="sans-serif" font-size="11.29032258064516" opacity="1" fill="#D20000" transform="rotate(270, 10, 20)">
A &amp; B
</text></svg>"##;
        let texts = svg_texts(svg).unwrap();
        assert_eq!(texts.len(), 1);
        let text = &texts[0];
        assert_eq!(text.content, "A & B");
        assert_eq!(text.anchor, (10, 20));
        assert!((text.size - 14.0).abs() < 1e-6);
        assert_eq!((text.color.0, text.color.1, text.color.2), (210, 0, 0));
        assert!(matches!(text.transform, FontTransform::Rotate270));
        assert!(matches!(text.position.h_pos, HPos::Right));
        assert!(matches!(text.position.v_pos, VPos::Center));
    }

    /// A lone "l" drawn at x = 20 starts its ink after the glyph's left side bearing, which
    /// plotters' own text drawing leaves out.
    #[test]
    fn glyph_ink_starts_after_left_bearing() {
        super::super::register_font().unwrap();
        let metrics = metrics();
        let size = 14.0;
        let (x_min, _) = metrics.glyph(metrics.glyph_id('l')).bounds.unwrap();
        let bearing = (x_min * size as f32 / metrics.height).floor() as u32;
        assert!(
            bearing >= 1,
            "the test needs a bearing of at least one pixel"
        );

        let (width, height) = (60u32, 30u32);
        let mut rgb = vec![255u8; (width * height * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
            let text = SvgText {
                content: "l".to_string(),
                anchor: (20, 5),
                size,
                color: RGBColor(0, 0, 0),
                opacity: 1.0,
                position: Pos::new(HPos::Left, VPos::Top),
                transform: FontTransform::None,
            };
            draw_svg_texts(&root, &[text]).unwrap();
            root.present().unwrap();
        }
        let inked_columns: Vec<u32> = (0..width)
            .filter(|&x| {
                (0..height).any(|y| {
                    let at = ((y * width + x) * 3) as usize;
                    rgb[at] < 255
                })
            })
            .collect();
        assert_eq!(inked_columns.first(), Some(&(20 + bearing)));
    }
}
