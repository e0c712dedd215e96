//! Figures: images, predictions, training curves, the confusion matrix, class means, the
//! pixel histogram and the most confident mistakes.
//!
//! Every function checks its inputs before it draws anything and returns a [`Figure`].
//! A figure is shown as a PNG image when it is the last expression of an evcxr cell,
//! and [`Figure::save`] writes it as PNG or SVG. Text is drawn with the DejaVu Sans font
//! embedded in this crate, so rendering needs no fonts installed on the machine.
//! [`Figure::captions`] returns the captions drawn under the images of a grid.
//!
//! Images are greyscale arrays of pixel type [`Pixel`]: raw `u8` in 0..=255 as loaded,
//! or `f32` in [0, 1] after scaling. Row 0 of an image is drawn at the top.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use base64::Engine;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ColorType, ImageEncoder};
use ndarray::{ArrayView1, ArrayView2, ArrayView3, Axis};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::train::{EpochStats, History};
use crate::{Error, Result};

mod confusion;
mod curves;
mod distribution;
mod mistakes;
mod text;

use confusion::{draw_confusion_matrix, ConfusionLayout};
use curves::draw_training_curves;
use distribution::draw_pixel_histogram;

use text::Canvas;

pub use confusion::confusion_matrix;
pub use curves::training_curves;
pub use distribution::{class_mean_images, pixel_histogram};
pub use mistakes::{confident_mistakes, MISTAKE_COLUMNS};

/// Color of the true class's bar and of the caption of a correct prediction.
pub const CORRECT_COLOR: RGBColor = RGBColor(0, 140, 0);
/// Color of the predicted class's bar and of the caption of a wrong prediction.
pub const WRONG_COLOR: RGBColor = RGBColor(210, 0, 0);
/// Color of the other classes' bars (`#777777`, as in the TensorFlow tutorial).
pub const BAR_COLOR: RGBColor = RGBColor(0x77, 0x77, 0x77);

/// Color of the training curves.
const TRAIN_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Color of the test (validation) curves.
const TEST_COLOR: RGBColor = RGBColor(255, 127, 14);
/// Color of a confusion-matrix cell holding the largest count (matplotlib's "Blues" maximum).
const HEATMAP_MAX_COLOR: RGBColor = RGBColor(8, 48, 107);
/// Color of image frames and cell borders.
const FRAME_COLOR: RGBColor = RGBColor(60, 60, 60);

/// DejaVu Sans 2.37, under the Bitstream Vera licence in `assets/fonts/DejaVuSans-LICENSE.txt`.
static FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

const TITLE_SIZE: f64 = 17.0;
const TEXT_SIZE: f64 = 14.0;
const SMALL_TEXT_SIZE: f64 = 12.0;

/// Blank space around and between the parts of a figure, in pixels.
const PAD: u32 = 10;
/// Length of an axis tick mark, in pixels.
const TICK_LENGTH: u32 = 4;

/// Target length, in pixels, of the longer image side in [`image_with_colorbar`] (28 pixels drawn 10x).
const SINGLE_IMAGE_SIDE: u32 = 280;
/// Target length, in pixels, of the longer image side in [`image_grid`] (28 pixels drawn 4x).
const GRID_IMAGE_SIDE: u32 = 112;
/// Target length, in pixels, of the longer image side in a prediction panel (28 pixels drawn 5x).
const PANEL_IMAGE_SIDE: u32 = 140;
/// Width of the colorbar, in pixels.
const COLORBAR_WIDTH: u32 = 20;

/// Size of the plotting area of [`confidence_bars`], without axis labels.
const BARS_PLOT_SIZE: (u32, u32) = (400, 240);
/// Size of the plotting area of the bar chart in a prediction panel, without axis labels.
const PANEL_BARS_PLOT_SIZE: (u32, u32) = (220, 120);
/// Text of [`confidence_bars`]: a title and a y-axis label.
const BARS_TEXT: BarText = BarText {
    size: TEXT_SIZE,
    labelled: true,
};
/// Text of the bar chart in a prediction panel, which the caption under the image names.
const PANEL_BARS_TEXT: BarText = BarText {
    size: SMALL_TEXT_SIZE,
    labelled: false,
};
/// Size of each of the two charts of [`training_curves`].
const CURVE_CHART_SIZE: (u32, u32) = (460, 340);
/// Smallest side of one confusion-matrix cell, in pixels. Cells widen for counts of many digits.
const CONFUSION_CELL_SIDE: u32 = 52;
/// Size of the [`pixel_histogram`] chart.
const HISTOGRAM_SIZE: (u32, u32) = (640, 380);
/// Number of histogram bins: 32 bins of 8 values each for `u8` pixels.
const HISTOGRAM_BINS: usize = 32;

/// Largest image side accepted, in pixels, which bounds the memory a figure takes.
pub const MAX_IMAGE_SIDE: usize = 512;
/// Largest number of images in one [`image_grid`].
pub const MAX_GRID_IMAGES: usize = 100;
/// Largest number of panels in one [`prediction_grid`].
pub const MAX_PREDICTION_PANELS: usize = 60;
/// Largest number of classes in a [`confusion_matrix`].
pub const MAX_CONFUSION_CLASSES: usize = 50;
/// Largest epoch number [`training_curves`] accepts.
pub const MAX_EPOCH: usize = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Pixel types
// ---------------------------------------------------------------------------------------------

/// Pixel type of a greyscale image: `u8` in 0..=255 or `f32` in [0, 1].
pub trait Pixel: Copy {
    /// Largest valid value, shown as full intensity: 255 for `u8`, 1 for `f32`.
    const MAX: f32;
    /// Rust name of the type, shown in figure titles.
    const DTYPE: &'static str;

    /// Converts the value to `f32` without scaling.
    fn to_f32(self) -> f32;

    /// Returns the value as a fraction of [`Pixel::MAX`], or `None` when the value is
    /// NaN, infinite or outside `0..=MAX`.
    fn intensity(self) -> Option<f32> {
        let value = self.to_f32();
        if (0.0..=Self::MAX).contains(&value) {
            Some(value / Self::MAX)
        } else {
            None
        }
    }
}

impl Pixel for u8 {
    const MAX: f32 = 255.0;
    const DTYPE: &'static str = "u8";

    fn to_f32(self) -> f32 {
        f32::from(self)
    }
}

impl Pixel for f32 {
    const MAX: f32 = 1.0;
    const DTYPE: &'static str = "f32";

    fn to_f32(self) -> f32 {
        self
    }
}

/// A checked greyscale image as intensities in [0, 1], row-major with row 0 first.
#[derive(Debug, Clone)]
struct Intensities {
    rows: usize,
    cols: usize,
    values: Vec<f32>,
}

/// Value range of the pixel type an image came in, for colorbars and titles.
#[derive(Debug, Clone, Copy)]
struct PixelScale {
    max: f32,
    dtype: &'static str,
}

impl PixelScale {
    fn of<P: Pixel>() -> Self {
        PixelScale {
            max: P::MAX,
            dtype: P::DTYPE,
        }
    }

    /// Formats a pixel value: integers for `u8`, one decimal for `f32`.
    fn format(&self, value: f32) -> String {
        if self.max > 1.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        }
    }

    /// Returns the tick values of a colorbar or histogram axis: 0, 50, ..., 250 or 0, 0.2, ..., 1.
    fn ticks(&self) -> Vec<f32> {
        let step = if self.max > 1.0 { 50.0 } else { 0.2 };
        let count = (self.max / step + 1e-3).floor() as usize;
        (0..=count).map(|i| i as f32 * step).collect()
    }
}

/// Checks that the image is not empty, not too large and contains only valid pixel values.
fn check_image<P: Pixel>(what: &str, image: ArrayView2<P>) -> Result<()> {
    let (rows, cols) = image.dim();
    if rows == 0 || cols == 0 || rows > MAX_IMAGE_SIDE || cols > MAX_IMAGE_SIDE {
        return Err(Error::Shape {
            what: what.to_string(),
            expected: format!("an image with 1 to {MAX_IMAGE_SIDE} rows and columns"),
            found: format!("shape ({rows}, {cols})"),
        });
    }
    for ((row, col), &value) in image.indexed_iter() {
        if value.intensity().is_none() {
            return Err(invalid_pixel_error(what, image, (row, col), value));
        }
    }
    Ok(())
}

/// Builds the error for the first invalid pixel of `image`, at `(row, col)`.
fn invalid_pixel_error<P: Pixel>(
    what: &str,
    image: ArrayView2<P>,
    (row, col): (usize, usize),
    value: P,
) -> Error {
    let value = value.to_f32();
    if value.is_finite() && value > P::MAX {
        let max = image
            .iter()
            .map(|pixel| pixel.to_f32())
            .filter(|pixel| pixel.is_finite())
            .fold(value, f32::max);
        return Error::NotScaled {
            what: what.to_string(),
            max,
        };
    }
    Error::InvalidArgument {
        what: format!("{what}, pixel ({row}, {col})"),
        expected: format!("a value in [0, {}]", P::MAX),
        found: value.to_string(),
    }
}

/// Checks `image` and converts it to intensities.
fn intensities<P: Pixel>(what: &str, image: ArrayView2<P>) -> Result<Intensities> {
    check_image(what, image)?;
    let (rows, cols) = image.dim();
    let values = image
        .iter()
        .map(|pixel| pixel.intensity().unwrap_or(0.0))
        .collect();
    Ok(Intensities { rows, cols, values })
}

/// Checks that `count` is between 1 and `max_count` and at most the number of `images`.
fn check_image_count<P>(images: &ArrayView3<P>, count: usize, max_count: usize) -> Result<()> {
    let available = images.len_of(Axis(0));
    if count == 0 || count > max_count {
        return Err(Error::InvalidArgument {
            what: "count".to_string(),
            expected: format!("1 to {max_count}"),
            found: count.to_string(),
        });
    }
    if count > available {
        return Err(Error::InvalidArgument {
            what: "count".to_string(),
            expected: format!("at most the number of images, {available}"),
            found: count.to_string(),
        });
    }
    Ok(())
}

/// Checks that a stack of images has at least one image.
fn check_not_empty(image_count: usize) -> Result<()> {
    if image_count == 0 {
        return Err(Error::InvalidArgument {
            what: "images".to_string(),
            expected: "at least one image".to_string(),
            found: "no images".to_string(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Classes, labels and probabilities
// ---------------------------------------------------------------------------------------------

/// Copies the class names, which must not be empty.
pub(crate) fn owned_class_names<S: AsRef<str>>(class_names: &[S]) -> Result<Vec<String>> {
    if class_names.is_empty() {
        return Err(Error::InvalidArgument {
            what: "class_names".to_string(),
            expected: "at least one class name".to_string(),
            found: "an empty list".to_string(),
        });
    }
    Ok(class_names
        .iter()
        .map(|name| name.as_ref().to_string())
        .collect())
}

/// Checks that `label` indexes one of `class_count` classes.
pub(crate) fn check_label(what: &str, label: u8, class_count: usize) -> Result<usize> {
    let label = usize::from(label);
    if label >= class_count {
        return Err(Error::InvalidArgument {
            what: what.to_string(),
            expected: format!("a class index below the number of class names, {class_count}"),
            found: label.to_string(),
        });
    }
    Ok(label)
}

/// Checks that `labels` has one label per image.
pub(crate) fn check_label_count(labels: usize, images: usize) -> Result<()> {
    if labels != images {
        return Err(Error::Shape {
            what: "labels".to_string(),
            expected: format!("one label per image, {images}"),
            found: format!("{labels} labels"),
        });
    }
    Ok(())
}

/// One image's predicted probabilities and its true class, as a bar chart shows them.
#[derive(Debug, Clone)]
struct Confidences {
    probabilities: Vec<f32>,
    true_class: usize,
    class_names: Vec<String>,
}

impl Confidences {
    /// Checks the probabilities (one per class, each in [0, 1]) and the true label.
    fn new(
        what: &str,
        probabilities: ArrayView1<f32>,
        true_label: u8,
        class_names: Vec<String>,
    ) -> Result<Self> {
        if probabilities.len() != class_names.len() {
            return Err(Error::Shape {
                what: what.to_string(),
                expected: format!("one probability per class name, {}", class_names.len()),
                found: format!("{} probabilities", probabilities.len()),
            });
        }
        if let Some((index, &value)) = probabilities
            .iter()
            .enumerate()
            .find(|(_, value)| !(0.0..=1.0).contains(*value))
        {
            return Err(Error::InvalidArgument {
                what: format!("{what}[{index}]"),
                expected: "a probability in [0, 1] (apply softmax to the logits first)".to_string(),
                found: value.to_string(),
            });
        }
        let true_class = check_label(
            &format!("true label of {what}"),
            true_label,
            class_names.len(),
        )?;
        Ok(Confidences {
            probabilities: probabilities.to_vec(),
            true_class,
            class_names,
        })
    }

    /// Returns the class with the highest probability, the first one on ties.
    fn predicted_class(&self) -> usize {
        let mut best = 0;
        for (class, &probability) in self.probabilities.iter().enumerate() {
            if probability > self.probabilities[best] {
                best = class;
            }
        }
        best
    }

    fn is_correct(&self) -> bool {
        self.predicted_class() == self.true_class
    }

    /// Returns the tutorial's caption: `<predicted class> NN% (<true class>)`.
    fn caption(&self) -> String {
        let predicted = self.predicted_class();
        format!(
            "{} {:.0}% ({})",
            self.class_names[predicted],
            100.0 * self.probabilities[predicted],
            self.class_names[self.true_class]
        )
    }

    fn caption_color(&self) -> RGBColor {
        if self.is_correct() {
            CORRECT_COLOR
        } else {
            WRONG_COLOR
        }
    }

    fn bar_color(&self, class: usize) -> RGBColor {
        if class == self.true_class {
            CORRECT_COLOR
        } else if class == self.predicted_class() {
            WRONG_COLOR
        } else {
            BAR_COLOR
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Figure
// ---------------------------------------------------------------------------------------------

/// A drawn figure. It owns its data, so a notebook can keep it between cells.
///
/// The PNG rendering is made when the figure is built. As the last expression of an
/// evcxr cell the figure shows as that PNG, which JupyterLab and nbconvert's HTML export
/// both display.
#[derive(Debug, Clone)]
pub struct Figure {
    width: u32,
    height: u32,
    content: Content,
    png: Vec<u8>,
}

/// The content of a figure, with the checked data needed to draw it again.
#[derive(Debug, Clone)]
enum Content {
    ImageWithColorbar {
        image: Intensities,
        scale: PixelScale,
    },
    ImageGrid(ImageGrid),
    ConfidenceBars(Confidences),
    PredictionGrid(PredictionGrid),
    TrainingCurves(Vec<EpochStats>),
    ConfusionMatrix {
        counts: Vec<Vec<u64>>,
        class_names: Vec<String>,
    },
    PixelHistogram {
        bins: Vec<u64>,
        scale: PixelScale,
        image_count: usize,
    },
}

impl Figure {
    /// Measures the content, then renders it as PNG.
    fn new(content: Content) -> Result<Self> {
        register_font()?;
        let (width, height) = content.size()?;
        let png = render_png(&content, (width, height))?;
        Ok(Figure {
            width,
            height,
            content,
            png,
        })
    }

    /// Returns the figure's (width, height) in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Returns the figure encoded as PNG.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// Returns the caption under each image, in drawing order (rows left to right), for
    /// image grids, class means, mistake galleries and prediction panels. The lines of a
    /// caption are joined with `\n`. Other figures return an empty list.
    ///
    /// The captions are the strings drawn on the figure, so a test or a notebook can check
    /// which class name is under which image without reading pixels.
    pub fn captions(&self) -> Vec<String> {
        match &self.content {
            Content::ImageGrid(grid) => grid.captions(),
            Content::PredictionGrid(grid) => grid
                .panels
                .iter()
                .map(|(_, confidences)| confidences.caption())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Renders the figure as an SVG document.
    ///
    /// Text stays text. Images are embedded as one PNG each.
    ///
    /// NOTE: the SVG names the font family `sans-serif` and does not embed DejaVu Sans, so
    /// a viewer draws the text with its own sans-serif font, whose widths may differ a little.
    pub fn to_svg(&self) -> Result<String> {
        register_font()?;
        let svg = render_svg(&self.content, (self.width, self.height))?;
        // plotters-svg 0.3.7 embeds images as `data:png;base64,...` URLs. `png` is not a
        // media type, so it is replaced by `image/png`.
        Ok(svg.replace("href=\"data:png;base64,", "href=\"data:image/png;base64,"))
    }

    /// Writes the figure to `path` as PNG or SVG, chosen by the extension `.png` or `.svg`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other extension, [`Error::Io`] when writing fails.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        let bytes = match extension.as_deref() {
            Some("png") => self.png.clone(),
            Some("svg") => self.to_svg()?.into_bytes(),
            _ => {
                return Err(Error::InvalidArgument {
                    what: format!("the file extension of {}", path.display()),
                    expected: "\".png\" or \".svg\"".to_string(),
                    found: extension.map_or("no extension".to_string(), |e| format!("\".{e}\"")),
                })
            }
        };
        std::fs::write(path, bytes).map_err(|source| Error::io("writing", path, source))
    }

    /// Shows the figure in an evcxr notebook as a PNG image.
    ///
    /// evcxr calls this method for the last expression of a cell. It prints
    /// [`Figure::evcxr_message`] in one write, so no other output can split the message.
    pub fn evcxr_display(&self) {
        let message = self.evcxr_message();
        let mut stdout = std::io::stdout().lock();
        // With stdout closed there is nowhere to show the figure, so write errors are ignored.
        let _ = stdout.write_all(message.as_bytes());
        let _ = stdout.flush();
    }

    /// Returns the message [`Figure::evcxr_display`] prints: the PNG in base64 between
    /// evcxr's `EVCXR_BEGIN_CONTENT image/png` and `EVCXR_END_CONTENT` lines.
    pub fn evcxr_message(&self) -> String {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.png);
        format!("EVCXR_BEGIN_CONTENT image/png\n{encoded}\nEVCXR_END_CONTENT\n")
    }
}

/// Registers the embedded font as plotters' "sans-serif" family.
///
/// plotters keeps fonts in a process-wide table. Registering again replaces the entry
/// with the same font, so every function that measures or draws text calls this first.
fn register_font() -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES)
        .map_err(|_| Error::Plot("the embedded DejaVu Sans font could not be parsed".to_string()))
}

fn plot_error(error: impl std::fmt::Display) -> Error {
    Error::Plot(error.to_string())
}

/// Draws `content` as an SVG document.
fn render_svg(content: &Content, size: (u32, u32)) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        content.draw(&root)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// Draws `content` into an RGB buffer and encodes it as PNG.
///
/// The text is taken from an SVG rendering of the same content and drawn glyph by glyph
/// (see the `text` module), so that letters are evenly spaced.
fn render_png(content: &Content, (width, height): (u32, u32)) -> Result<Vec<u8>> {
    let texts = text::svg_texts(&render_svg(content, (width, height))?)?;
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        content.draw(&root)?;
        text::draw_svg_texts(&root, &texts)?;
        root.present().map_err(plot_error)?;
    }
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
        .write_image(&rgb, width, height, ColorType::Rgb8)
        .map_err(|error| Error::Plot(format!("encoding the PNG failed: {error}")))?;
    Ok(png)
}

type Area<DB> = DrawingArea<DB, Shift>;

impl Content {
    /// Returns the figure size, in pixels, that the content needs.
    fn size(&self) -> Result<(u32, u32)> {
        match self {
            Content::ImageWithColorbar { image, .. } => Ok(ColorbarLayout::new(image).size()),
            Content::ImageGrid(grid) => Ok(grid.layout()?.size()),
            Content::ConfidenceBars(confidences) => {
                bar_chart_size(&confidences.class_names, BARS_PLOT_SIZE, BARS_TEXT)
            }
            Content::PredictionGrid(grid) => Ok(grid.layout()?.size()),
            Content::TrainingCurves(_) => Ok((2 * CURVE_CHART_SIZE.0, CURVE_CHART_SIZE.1)),
            Content::ConfusionMatrix {
                counts,
                class_names,
            } => Ok(ConfusionLayout::new(counts, class_names)?.size()),
            Content::PixelHistogram { .. } => Ok(HISTOGRAM_SIZE),
        }
    }

    fn draw<DB: Canvas>(&self, root: &Area<DB>) -> Result<()> {
        root.fill(&WHITE).map_err(plot_error)?;
        match self {
            Content::ImageWithColorbar { image, scale } => {
                draw_image_with_colorbar(root, image, *scale)
            }
            Content::ImageGrid(grid) => grid.draw(root),
            Content::ConfidenceBars(confidences) => {
                draw_bar_chart(root, confidences, BARS_TEXT, BARS_PLOT_SIZE)
            }
            Content::PredictionGrid(grid) => grid.draw(root),
            Content::TrainingCurves(epochs) => draw_training_curves(root, epochs),
            Content::ConfusionMatrix {
                counts,
                class_names,
            } => draw_confusion_matrix(root, counts, class_names),
            Content::PixelHistogram {
                bins,
                scale,
                image_count,
            } => draw_pixel_histogram(root, bins, *scale, *image_count),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers
// ---------------------------------------------------------------------------------------------

/// Returns the style of text of `size` pixels (the font's ascent plus descent) in `color`.
///
/// On the bitmap backend the text is transparent, because [`render_png`] draws it
/// afterwards glyph by glyph (see the `text` module).
fn text_style<DB: Canvas>(size: f64, color: RGBColor) -> TextStyle<'static> {
    let alpha = if DB::DRAWS_TEXT { 1.0 } else { 0.0 };
    ("sans-serif", size).into_font().color(&color.mix(alpha))
}

/// Returns the width in pixels of `text` drawn at `size`.
fn text_width(text: &str, size: f64) -> Result<u32> {
    let font = FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal);
    font.box_size(text)
        .map(|(width, _)| width)
        .map_err(plot_error)
}

/// Returns the width of the widest of `texts` drawn at `size`.
fn max_text_width(texts: &[String], size: f64) -> Result<u32> {
    let mut widest = 0;
    for text in texts {
        widest = widest.max(text_width(text, size)?);
    }
    Ok(widest)
}

/// Returns the height in pixels of one line of text at `size`.
fn text_height(size: f64) -> u32 {
    size.ceil() as u32
}

/// Draws `text` with its anchor point `anchor` at `(x, y)`.
fn draw_text<DB: Canvas>(
    area: &Area<DB>,
    text: &str,
    (x, y): (i32, i32),
    anchor: (HPos, VPos),
    style: &TextStyle,
) -> Result<()> {
    let style = style.pos(Pos::new(anchor.0, anchor.1));
    area.draw_text(text, &style, (x, y)).map_err(plot_error)
}

fn coord(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Maps an intensity to a color: matplotlib's "binary" map, white for 0 and black for 1.
fn binary_color(intensity: f32) -> RGBColor {
    let grey = (255.0 * (1.0 - intensity)).round() as u8;
    RGBColor(grey, grey, grey)
}

/// Maps an intensity to a color of the viridis map (plotters' 8-step linear approximation).
fn viridis_color(intensity: f32) -> RGBColor {
    ViridisRGB::get_color(intensity)
}

/// Draws `image` with its top-left corner at `(x, y)`, each pixel as a `zoom` x `zoom` square.
///
/// The image is drawn as one bitmap, which the SVG backend embeds as one PNG.
fn draw_bitmap<DB: Canvas>(
    area: &Area<DB>,
    (x, y): (i32, i32),
    image: &Intensities,
    zoom: u32,
    color_map: fn(f32) -> RGBColor,
) -> Result<()> {
    let width = image.cols as u32 * zoom;
    let height = image.rows as u32 * zoom;
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for pixel_row in 0..height as usize {
        let row = pixel_row / zoom as usize;
        for pixel_col in 0..width as usize {
            let col = pixel_col / zoom as usize;
            let RGBColor(red, green, blue) = color_map(image.values[row * image.cols + col]);
            rgb.extend_from_slice(&[red, green, blue]);
        }
    }
    let bitmap = BitMapElement::with_owned_buffer((x, y), (width, height), rgb)
        .ok_or_else(|| Error::Plot("the image buffer is smaller than the image".to_string()))?;
    area.draw(&bitmap).map_err(plot_error)
}

/// Draws a one-pixel frame just outside the rectangle at `(x, y)` of size `(width, height)`.
fn draw_frame<DB: Canvas>(
    area: &Area<DB>,
    (x, y): (i32, i32),
    (width, height): (u32, u32),
) -> Result<()> {
    let frame = Rectangle::new(
        [(x - 1, y - 1), (x + coord(width), y + coord(height))],
        FRAME_COLOR.stroke_width(1),
    );
    area.draw(&frame).map_err(plot_error)
}

/// Returns the zoom factor that brings the longest image side close to `side` pixels.
fn zoom_for(image: &Intensities, side: u32) -> u32 {
    let longest = image.rows.max(image.cols) as u32;
    (side / longest).max(1)
}

// ---------------------------------------------------------------------------------------------
// 1. One image with a colorbar
// ---------------------------------------------------------------------------------------------

/// Draws one greyscale image in the viridis color map with a colorbar, like matplotlib's
/// `imshow` followed by `colorbar` in the tutorial.
///
/// `image` has shape `[rows, cols]` (28 x 28 for Fashion-MNIST), with `u8` pixels in
/// 0..=255 or `f32` pixels in [0, 1]. The colorbar spans the whole range of the pixel
/// type, not just the values present, so a scaled image shows 0 to 1. The axes number
/// the pixel rows and columns, with row 0 at the top.
///
/// # Errors
/// - [`Error::Shape`] for an empty image or a side longer than [`MAX_IMAGE_SIDE`].
/// - [`Error::NotScaled`] for `f32` pixels above 1, [`Error::InvalidArgument`] for `f32`
///   pixels that are NaN, infinite or negative.
pub fn image_with_colorbar<P: Pixel>(image: ArrayView2<P>) -> Result<Figure> {
    let image = intensities("image", image)?;
    Figure::new(Content::ImageWithColorbar {
        image,
        scale: PixelScale::of::<P>(),
    })
}

/// Positions of the parts of [`image_with_colorbar`].
struct ColorbarLayout {
    zoom: u32,
    image_origin: (u32, u32),
    image_size: (u32, u32),
    colorbar_x: u32,
}

impl ColorbarLayout {
    fn new(image: &Intensities) -> Self {
        let zoom = zoom_for(image, SINGLE_IMAGE_SIDE);
        let image_size = (image.cols as u32 * zoom, image.rows as u32 * zoom);
        let image_origin = (5 * PAD, 4 * PAD);
        let colorbar_x = image_origin.0 + image_size.0 + 3 * PAD;
        ColorbarLayout {
            zoom,
            image_origin,
            image_size,
            colorbar_x,
        }
    }

    fn size(&self) -> (u32, u32) {
        let width = self.colorbar_x + COLORBAR_WIDTH + 6 * PAD;
        let height = self.image_origin.1 + self.image_size.1 + 4 * PAD;
        (width, height)
    }
}

/// Returns the distance between labelled ticks for an axis of `length` pixels (rows or columns):
/// the smallest of 1, 2, 5, 10, 20, 50, ... that gives at most 7 ticks.
fn tick_step(length: usize) -> usize {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if length.div_ceil(step * factor) <= 7 {
                return step * factor;
            }
        }
        step *= 10;
    }
}

fn draw_image_with_colorbar<DB: Canvas>(
    root: &Area<DB>,
    image: &Intensities,
    scale: PixelScale,
) -> Result<()> {
    let layout = ColorbarLayout::new(image);
    let (x0, y0) = (coord(layout.image_origin.0), coord(layout.image_origin.1));
    let (width, height) = layout.image_size;
    let zoom = coord(layout.zoom);
    let label_style = text_style::<DB>(SMALL_TEXT_SIZE, BLACK);
    let tick_length = coord(TICK_LENGTH);

    let title = format!(
        "{} x {} image, {} pixels from 0 to {}, viridis color map",
        image.rows, image.cols, scale.dtype, scale.max
    );
    let title_x = coord(layout.size().0 / 2);
    draw_text(
        root,
        &title,
        (title_x, coord(PAD)),
        (HPos::Center, VPos::Top),
        &text_style::<DB>(TEXT_SIZE, BLACK),
    )?;

    draw_bitmap(root, (x0, y0), image, layout.zoom, viridis_color)?;
    draw_frame(root, (x0, y0), (width, height))?;

    // Ticks at pixel centers, numbered from row 0 at the top and column 0 at the left.
    let bottom = y0 + coord(height);
    for col in (0..image.cols).step_by(tick_step(image.cols)) {
        let x = x0 + coord(col as u32) * zoom + zoom / 2;
        let tick = PathElement::new([(x, bottom), (x, bottom + tick_length)], BLACK);
        root.draw(&tick).map_err(plot_error)?;
        draw_text(
            root,
            &col.to_string(),
            (x, bottom + tick_length + 2),
            (HPos::Center, VPos::Top),
            &label_style,
        )?;
    }
    for row in (0..image.rows).step_by(tick_step(image.rows)) {
        let y = y0 + coord(row as u32) * zoom + zoom / 2;
        let tick = PathElement::new([(x0 - tick_length, y), (x0, y)], BLACK);
        root.draw(&tick).map_err(plot_error)?;
        draw_text(
            root,
            &row.to_string(),
            (x0 - tick_length - 3, y),
            (HPos::Right, VPos::Center),
            &label_style,
        )?;
    }

    // The colorbar: full intensity at the top, 0 at the bottom.
    let bar_x = coord(layout.colorbar_x);
    let gradient = Intensities {
        rows: height as usize,
        cols: 1,
        values: (0..height)
            .map(|row| 1.0 - row as f32 / (height.max(2) - 1) as f32)
            .collect(),
    };
    draw_gradient(root, (bar_x, y0), &gradient, COLORBAR_WIDTH)?;
    draw_frame(root, (bar_x, y0), (COLORBAR_WIDTH, height))?;
    let bar_right = bar_x + coord(COLORBAR_WIDTH);
    for value in scale.ticks() {
        let y = bottom - 1 - ((value / scale.max) * (height - 1) as f32).round() as i32;
        let tick = PathElement::new([(bar_right, y), (bar_right + tick_length, y)], BLACK);
        root.draw(&tick).map_err(plot_error)?;
        draw_text(
            root,
            &scale.format(value),
            (bar_right + tick_length + 3, y),
            (HPos::Left, VPos::Center),
            &label_style,
        )?;
    }
    Ok(())
}

/// Draws a one-column intensity image `width` pixels wide, each row one pixel high.
fn draw_gradient<DB: Canvas>(
    area: &Area<DB>,
    (x, y): (i32, i32),
    column: &Intensities,
    width: u32,
) -> Result<()> {
    let mut rgb = Vec::with_capacity(column.rows * width as usize * 3);
    for &intensity in &column.values {
        let RGBColor(red, green, blue) = viridis_color(intensity);
        for _ in 0..width {
            rgb.extend_from_slice(&[red, green, blue]);
        }
    }
    let bitmap = BitMapElement::with_owned_buffer((x, y), (width, column.rows as u32), rgb)
        .ok_or_else(|| {
            Error::Plot("the colorbar buffer is smaller than the colorbar".to_string())
        })?;
    area.draw(&bitmap).map_err(plot_error)
}

// ---------------------------------------------------------------------------------------------
// 2. Image grid
// ---------------------------------------------------------------------------------------------

/// One image of an [`ImageGrid`] with the lines of its caption.
#[derive(Debug, Clone)]
struct Tile {
    image: Intensities,
    caption: Vec<String>,
    color: RGBColor,
}

impl Tile {
    /// A tile with a one-line black caption.
    fn named(image: Intensities, caption: String) -> Self {
        Tile {
            image,
            caption: vec![caption],
            color: BLACK,
        }
    }
}

/// Images with a caption under each, laid out in rows, with an optional title above.
#[derive(Debug, Clone)]
struct ImageGrid {
    tiles: Vec<Tile>,
    columns: usize,
    title: Option<String>,
}

/// Cell sizes of an [`ImageGrid`].
struct GridLayout {
    columns: usize,
    rows: usize,
    zoom: u32,
    image_size: (u32, u32),
    cell_size: (u32, u32),
    /// Height of the title band above the cells, 0 without a title.
    title_height: u32,
    /// Width of the widest title line, 0 without a title.
    title_width: u32,
}

impl GridLayout {
    fn size(&self) -> (u32, u32) {
        (
            (self.columns as u32 * self.cell_size.0).max(self.title_width + 2 * PAD),
            self.title_height + self.rows as u32 * self.cell_size.1,
        )
    }

    /// Returns the top-left corner of cell `index`, filling rows left to right.
    fn cell_origin(&self, index: usize) -> (i32, i32) {
        let column = (index % self.columns) as u32;
        let row = (index / self.columns) as u32;
        (
            coord(column * self.cell_size.0),
            coord(self.title_height + row * self.cell_size.1),
        )
    }
}

/// Distance between the baselines of two caption lines, in pixels.
fn line_height(size: f64) -> u32 {
    (size * 1.3).ceil() as u32
}

impl ImageGrid {
    fn layout(&self) -> Result<GridLayout> {
        let columns = self.columns.min(self.tiles.len()).max(1);
        let rows = self.tiles.len().div_ceil(columns);
        // All tiles come from one array, so they share one shape.
        let Some(first) = self.tiles.first() else {
            return Err(Error::Plot(
                "an image grid needs at least one image".to_string(),
            ));
        };
        let zoom = zoom_for(&first.image, GRID_IMAGE_SIDE);
        let image_size = (
            first.image.cols as u32 * zoom,
            first.image.rows as u32 * zoom,
        );
        let lines: Vec<String> = self
            .tiles
            .iter()
            .flat_map(|tile| tile.caption.iter().cloned())
            .collect();
        let caption_width = max_text_width(&lines, TEXT_SIZE)?;
        let caption_lines = self
            .tiles
            .iter()
            .map(|tile| tile.caption.len())
            .max()
            .unwrap_or(0) as u32;
        let cell_size = (
            image_size.0.max(caption_width) + 2 * PAD,
            image_size.1 + caption_lines * line_height(TEXT_SIZE) + 3 * PAD,
        );
        let (title_width, title_height) = match &self.title {
            Some(title) => (
                text_width(title, TITLE_SIZE)?,
                text_height(TITLE_SIZE) + 2 * PAD,
            ),
            None => (0, 0),
        };
        Ok(GridLayout {
            columns,
            rows,
            zoom,
            image_size,
            cell_size,
            title_height,
            title_width,
        })
    }

    /// Returns the caption lines of each tile, in drawing order.
    fn captions(&self) -> Vec<String> {
        self.tiles
            .iter()
            .map(|tile| tile.caption.join("\n"))
            .collect()
    }

    fn draw<DB: Canvas>(&self, root: &Area<DB>) -> Result<()> {
        let layout = self.layout()?;
        if let Some(title) = &self.title {
            draw_text(
                root,
                title,
                (coord(layout.size().0 / 2), coord(PAD)),
                (HPos::Center, VPos::Top),
                &text_style::<DB>(TITLE_SIZE, BLACK),
            )?;
        }
        for (index, tile) in self.tiles.iter().enumerate() {
            let (cell_x, cell_y) = layout.cell_origin(index);
            let image_x = cell_x + coord((layout.cell_size.0 - layout.image_size.0) / 2);
            let image_y = cell_y + coord(PAD);
            draw_bitmap(
                root,
                (image_x, image_y),
                &tile.image,
                layout.zoom,
                binary_color,
            )?;
            draw_frame(root, (image_x, image_y), layout.image_size)?;
            let caption_style = text_style::<DB>(TEXT_SIZE, tile.color);
            let caption_x = cell_x + coord(layout.cell_size.0 / 2);
            let mut caption_y = image_y + coord(layout.image_size.1 + PAD / 2 + 2);
            for line in &tile.caption {
                draw_text(
                    root,
                    line,
                    (caption_x, caption_y),
                    (HPos::Center, VPos::Top),
                    &caption_style,
                )?;
                caption_y += coord(line_height(TEXT_SIZE));
            }
        }
        Ok(())
    }
}

/// Draws the first `count` images in rows of `columns`, each with its class name under it,
/// like the tutorial's 5 x 5 grid of training images.
///
/// `images` has shape `[n, rows, cols]` with `u8` pixels in 0..=255 or `f32` pixels in
/// [0, 1], and `labels` has one class index per image. The images use matplotlib's "binary"
/// color map, as the tutorial does: 0 is white and the maximum black, so garments show
/// dark on a light background. Row 0 of each image is at the top.
///
/// # Errors
/// - [`Error::InvalidArgument`] when `count` is 0, above the number of images or above
///   [`MAX_GRID_IMAGES`], when `columns` is 0, when `class_names` is empty, or when a
///   shown label has no class name.
/// - [`Error::Shape`] when `labels` and `images` differ in length.
/// - The errors of [`image_with_colorbar`] for an invalid image.
pub fn image_grid<P: Pixel, S: AsRef<str>>(
    images: ArrayView3<P>,
    labels: ArrayView1<u8>,
    class_names: &[S],
    count: usize,
    columns: usize,
) -> Result<Figure> {
    let class_names = owned_class_names(class_names)?;
    check_label_count(labels.len(), images.len_of(Axis(0)))?;
    check_image_count(&images, count, MAX_GRID_IMAGES)?;
    check_columns(columns)?;
    let mut tiles = Vec::with_capacity(count);
    for index in 0..count {
        let image = intensities(
            &format!("images[{index}]"),
            images.index_axis(Axis(0), index),
        )?;
        let class = check_label(
            &format!("labels[{index}]"),
            labels[index],
            class_names.len(),
        )?;
        tiles.push(Tile::named(image, class_names[class].clone()));
    }
    Figure::new(Content::ImageGrid(ImageGrid {
        tiles,
        columns,
        title: None,
    }))
}

/// Number of images in the tutorial's grid of training images.
pub const GRID_COUNT: usize = 25;
/// Number of columns of the tutorial's grid of training images, so 5 rows of 5.
pub const GRID_COLUMNS: usize = 5;

/// Draws the tutorial's grid: the first [`GRID_COUNT`] images in rows of [`GRID_COLUMNS`].
///
/// # Errors
/// The errors of [`image_grid`], for example fewer than 25 images.
pub fn tutorial_image_grid<P: Pixel, S: AsRef<str>>(
    images: ArrayView3<P>,
    labels: ArrayView1<u8>,
    class_names: &[S],
) -> Result<Figure> {
    image_grid(images, labels, class_names, GRID_COUNT, GRID_COLUMNS)
}

fn check_columns(columns: usize) -> Result<()> {
    if columns == 0 {
        return Err(Error::InvalidArgument {
            what: "columns".to_string(),
            expected: "at least 1".to_string(),
            found: "0".to_string(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 3. Confidence bars
// ---------------------------------------------------------------------------------------------

/// Draws one image's predicted probabilities as a bar per class, like the tutorial's
/// `plot_value_array`.
///
/// `probabilities` contains one value in [0, 1] per class (softmax output), in the order
/// of `class_names`. The true class's bar is green ([`CORRECT_COLOR`]). The predicted class
/// (the highest probability) is red ([`WRONG_COLOR`]) when it differs from the true class,
/// and the other bars are grey ([`BAR_COLOR`]). Class names label the x axis, and the y
/// axis runs from 0 to 1.
///
/// # Errors
/// - [`Error::Shape`] when `probabilities` and `class_names` differ in length.
/// - [`Error::InvalidArgument`] for an empty `class_names`, a probability that is NaN or
///   outside [0, 1], or a `true_label` without a class name.
pub fn confidence_bars<S: AsRef<str>>(
    probabilities: ArrayView1<f32>,
    true_label: u8,
    class_names: &[S],
) -> Result<Figure> {
    let class_names = owned_class_names(class_names)?;
    let confidences = Confidences::new("probabilities", probabilities, true_label, class_names)?;
    Figure::new(Content::ConfidenceBars(confidences))
}

/// Text of a bar chart: the tick and class-name size, and whether the chart has its own
/// title and y-axis label. A prediction panel's chart has neither, because the caption
/// under the image names the prediction.
#[derive(Debug, Clone, Copy)]
struct BarText {
    size: f64,
    labelled: bool,
}

/// Returns the height of a bar chart's x label area, which contains the class names read
/// upwards, and the width of its y label area, which contains the tick values and, when
/// labelled, the y-axis label.
fn bar_label_areas(class_names: &[String], text: BarText) -> Result<(u32, u32)> {
    let names_height = max_text_width(class_names, text.size)? + TICK_LENGTH + PAD;
    let mut values_width = text_width("0.0", text.size)? + TICK_LENGTH + PAD;
    if text.labelled {
        values_width += text_height(text.size) + PAD / 2;
    }
    Ok((names_height, values_width))
}

/// Returns the height of the title band above a labelled bar chart, 0 when unlabelled.
fn bar_title_height(text: BarText) -> u32 {
    if text.labelled {
        text_height(TITLE_SIZE) + PAD
    } else {
        0
    }
}

/// Returns the size of a bar chart whose plotting area is `plot_size`.
fn bar_chart_size(
    class_names: &[String],
    plot_size: (u32, u32),
    text: BarText,
) -> Result<(u32, u32)> {
    let (names_height, values_width) = bar_label_areas(class_names, text)?;
    Ok((
        plot_size.0 + values_width + 2 * PAD,
        plot_size.1 + names_height + 3 * PAD + bar_title_height(text),
    ))
}

/// Draws the bar chart of `confidences` into `area`, which has the size [`bar_chart_size`] returns.
fn draw_bar_chart<DB: Canvas>(
    area: &Area<DB>,
    confidences: &Confidences,
    text: BarText,
    plot_size: (u32, u32),
) -> Result<()> {
    let class_count = confidences.probabilities.len();
    let (names_height, values_width) = bar_label_areas(&confidences.class_names, text)?;
    let (width, height) = bar_chart_size(&confidences.class_names, plot_size, text)?;
    let area = area.clone().shrink((0, 0), (width, height));
    let label_style = text_style::<DB>(text.size, BLACK);

    let title_height = bar_title_height(text);
    if text.labelled {
        let predicted = confidences.predicted_class();
        let title = format!(
            "predicted {} {:.0}%, true class {}",
            confidences.class_names[predicted],
            100.0 * confidences.probabilities[predicted],
            confidences.class_names[confidences.true_class]
        );
        draw_text(
            &area,
            &title,
            (coord(width / 2), coord(PAD)),
            (HPos::Center, VPos::Top),
            &text_style::<DB>(TITLE_SIZE, BLACK),
        )?;
    }
    let area = area.shrink((0, title_height), (width, height - title_height));

    let mut chart = ChartBuilder::on(&area)
        .margin(PAD)
        .margin_top(2 * PAD)
        .x_label_area_size(names_height)
        .y_label_area_size(values_width)
        .build_cartesian_2d(-0.5f32..class_count as f32 - 0.5, 0f32..1f32)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|value| format!("{value:.1}"))
        .y_desc(if text.labelled { "probability" } else { "" })
        .label_style(label_style.clone())
        .axis_desc_style(label_style.clone())
        .draw()
        .map_err(plot_error)?;
    chart
        .draw_series(
            confidences
                .probabilities
                .iter()
                .enumerate()
                .map(|(class, &probability)| {
                    let x = class as f32;
                    Rectangle::new(
                        [(x - 0.4, 0.0), (x + 0.4, probability)],
                        confidences.bar_color(class).filled(),
                    )
                }),
        )
        .map_err(plot_error)?;

    // Class names read upwards and end just under the axis, like matplotlib's rotation=90.
    let names_style = label_style.transform(FontTransform::Rotate270);
    let (base_x, base_y) = area.get_base_pixel();
    for (class, name) in confidences.class_names.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(class as f32, 0.0));
        let (x, y) = (x - base_x, y - base_y);
        let tick = PathElement::new([(x, y), (x, y + coord(TICK_LENGTH))], BLACK);
        area.draw(&tick).map_err(plot_error)?;
        draw_text(
            &area,
            name,
            (x, y + coord(TICK_LENGTH + 2)),
            (HPos::Right, VPos::Center),
            &names_style,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 4 and 5. Prediction panels
// ---------------------------------------------------------------------------------------------

/// Prediction panels: an image with its caption beside its bar chart, laid out in rows.
#[derive(Debug, Clone)]
struct PredictionGrid {
    panels: Vec<(Intensities, Confidences)>,
    columns: usize,
}

/// Sizes and positions inside a [`PredictionGrid`].
struct PanelLayout {
    columns: usize,
    rows: usize,
    zoom: u32,
    image_size: (u32, u32),
    /// Width of the image column of a panel, which also contains the caption.
    image_column_width: u32,
    panel_size: (u32, u32),
}

impl PanelLayout {
    fn size(&self) -> (u32, u32) {
        (
            self.columns as u32 * self.panel_size.0,
            self.rows as u32 * self.panel_size.1,
        )
    }
}

impl PredictionGrid {
    fn layout(&self) -> Result<PanelLayout> {
        let columns = self.columns.min(self.panels.len()).max(1);
        let rows = self.panels.len().div_ceil(columns);
        let Some((first_image, first_confidences)) = self.panels.first() else {
            return Err(Error::Plot(
                "a prediction grid needs at least one panel".to_string(),
            ));
        };

        let zoom = zoom_for(first_image, PANEL_IMAGE_SIDE);
        let image_size = (
            first_image.cols as u32 * zoom,
            first_image.rows as u32 * zoom,
        );

        let captions: Vec<String> = self
            .panels
            .iter()
            .map(|(_, confidences)| confidences.caption())
            .collect();
        let caption_width = max_text_width(&captions, TEXT_SIZE)?;
        let image_column_width = image_size.0.max(caption_width) + 2 * PAD;
        let image_column_height = image_size.1 + text_height(TEXT_SIZE) + 3 * PAD;

        let (chart_width, chart_height) = bar_chart_size(
            &first_confidences.class_names,
            PANEL_BARS_PLOT_SIZE,
            PANEL_BARS_TEXT,
        )?;
        let panel_size = (
            image_column_width + chart_width + PAD,
            image_column_height.max(chart_height) + PAD,
        );
        Ok(PanelLayout {
            columns,
            rows,
            zoom,
            image_size,
            image_column_width,
            panel_size,
        })
    }

    fn draw<DB: Canvas>(&self, root: &Area<DB>) -> Result<()> {
        let layout = self.layout()?;
        for (index, (image, confidences)) in self.panels.iter().enumerate() {
            let column = (index % layout.columns) as u32;
            let row = (index / layout.columns) as u32;
            let panel = root.clone().shrink(
                (column * layout.panel_size.0, row * layout.panel_size.1),
                layout.panel_size,
            );
            draw_prediction_panel(&panel, &layout, image, confidences)?;
        }
        Ok(())
    }
}

fn draw_prediction_panel<DB: Canvas>(
    panel: &Area<DB>,
    layout: &PanelLayout,
    image: &Intensities,
    confidences: &Confidences,
) -> Result<()> {
    let image_x = coord((layout.image_column_width - layout.image_size.0) / 2);
    let image_y = coord(PAD);
    draw_bitmap(panel, (image_x, image_y), image, layout.zoom, binary_color)?;
    draw_frame(panel, (image_x, image_y), layout.image_size)?;

    let caption_style = text_style::<DB>(TEXT_SIZE, confidences.caption_color());
    let caption_x = coord(layout.image_column_width / 2);
    let caption_y = image_y + coord(layout.image_size.1 + PAD / 2 + 2);
    draw_text(
        panel,
        &confidences.caption(),
        (caption_x, caption_y),
        (HPos::Center, VPos::Top),
        &caption_style,
    )?;

    let (panel_width, panel_height) = layout.panel_size;
    let chart = panel.clone().shrink(
        (layout.image_column_width, 0),
        (panel_width - layout.image_column_width, panel_height),
    );
    draw_bar_chart(&chart, confidences, PANEL_BARS_TEXT, PANEL_BARS_PLOT_SIZE)
}

/// Draws one image beside the bar chart of its predicted probabilities, like the tutorial's
/// `plot_image` and `plot_value_array` side by side.
///
/// Under the image (matplotlib's "binary" color map) the caption reads
/// `<predicted class> NN% (<true class>)`, green ([`CORRECT_COLOR`]) when the prediction
/// is right and red ([`WRONG_COLOR`]) when it is wrong. The shapes, ranges and bar colors
/// are those of [`image_with_colorbar`] and [`confidence_bars`].
///
/// # Errors
/// The errors of [`image_with_colorbar`] and [`confidence_bars`].
pub fn prediction_panel<P: Pixel, S: AsRef<str>>(
    image: ArrayView2<P>,
    probabilities: ArrayView1<f32>,
    true_label: u8,
    class_names: &[S],
) -> Result<Figure> {
    let class_names = owned_class_names(class_names)?;
    let image = intensities("image", image)?;
    let confidences = Confidences::new("probabilities", probabilities, true_label, class_names)?;
    Figure::new(Content::PredictionGrid(PredictionGrid {
        panels: vec![(image, confidences)],
        columns: 1,
    }))
}

/// Draws prediction panels (see [`prediction_panel`]) for the first `count` images in rows of
/// `columns` panels. The tutorial shows 15 panels in 5 rows of 3.
///
/// `images` has shape `[n, rows, cols]`, `probabilities` has shape `[n, classes]` with
/// values in [0, 1] (softmax output), and `labels` has one true class index per image.
///
/// # Errors
/// - [`Error::Shape`] when `images`, `probabilities` and `labels` differ in their number
///   of images, or when `probabilities` has a column count other than the number of class names.
/// - [`Error::InvalidArgument`] when `count` is 0, above the number of images or above
///   [`MAX_PREDICTION_PANELS`], or when `columns` is 0.
/// - The errors of [`prediction_panel`] for an invalid image, probability or label.
pub fn prediction_grid<P: Pixel, S: AsRef<str>>(
    images: ArrayView3<P>,
    probabilities: ArrayView2<f32>,
    labels: ArrayView1<u8>,
    class_names: &[S],
    count: usize,
    columns: usize,
) -> Result<Figure> {
    let class_names = owned_class_names(class_names)?;
    let image_count = images.len_of(Axis(0));
    check_label_count(labels.len(), image_count)?;
    if probabilities.dim() != (image_count, class_names.len()) {
        return Err(Error::Shape {
            what: "probabilities".to_string(),
            expected: format!("[images, classes] = [{image_count}, {}]", class_names.len()),
            found: format!("{:?}", probabilities.shape()),
        });
    }
    check_image_count(&images, count, MAX_PREDICTION_PANELS)?;
    check_columns(columns)?;
    let mut panels = Vec::with_capacity(count);
    for index in 0..count {
        let image = intensities(
            &format!("images[{index}]"),
            images.index_axis(Axis(0), index),
        )?;
        let confidences = Confidences::new(
            &format!("probabilities[{index}]"),
            probabilities.index_axis(Axis(0), index),
            labels[index],
            class_names.clone(),
        )?;
        panels.push((image, confidences));
    }
    Figure::new(Content::PredictionGrid(PredictionGrid { panels, columns }))
}

/// Number of panels in the tutorial's grid of predictions.
pub const PREDICTION_GRID_COUNT: usize = 15;
/// Number of panels per row in the tutorial's grid of predictions, so 5 rows of 3.
pub const PREDICTION_GRID_COLUMNS: usize = 3;

/// Draws the tutorial's prediction grid: panels for the first [`PREDICTION_GRID_COUNT`]
/// images in rows of [`PREDICTION_GRID_COLUMNS`].
///
/// # Errors
/// The errors of [`prediction_grid`], for example fewer than 15 images.
pub fn tutorial_prediction_grid<P: Pixel, S: AsRef<str>>(
    images: ArrayView3<P>,
    probabilities: ArrayView2<f32>,
    labels: ArrayView1<u8>,
    class_names: &[S],
) -> Result<Figure> {
    prediction_grid(
        images,
        probabilities,
        labels,
        class_names,
        PREDICTION_GRID_COUNT,
        PREDICTION_GRID_COLUMNS,
    )
}
