//! Prediction: logits to probabilities with the softmax.

use std::path::Path;

use image::imageops::FilterType;
use image::GrayImage;
use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::data::IMAGE_SIDE;
use crate::error::Error;
use crate::preprocess::MAX_PIXEL;

use crate::error::Result;
use crate::model::{compute_logits, Classifier};

/// Index of the largest value (the first one on ties); 0 for an empty slice.
/// NaN values are never chosen.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value > values[best] || values[best].is_nan() {
            best = index;
        }
    }
    best
}

/// Applies the softmax to each row of `logits` `[n, classes]`: `exp(x_i - max) / sum`,
/// so each row becomes probabilities that sum to 1.
pub fn softmax(logits: ArrayView2<f32>) -> Array2<f32> {
    let mut probabilities = logits.to_owned();
    for mut row in probabilities.axis_iter_mut(Axis(0)) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        row.mapv_inplace(|value| (value - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|value| value / sum);
    }
    probabilities
}

/// Probabilities `[n, 10]` for scaled images `[n, 28, 28]` `f32` in [0, 1].
pub fn predict<M: Classifier>(model: &M, images: ndarray::ArrayView3<f32>) -> Result<Array2<f32>> {
    Ok(softmax(compute_logits(model, images)?.view()))
}

/// Probabilities `[10]` for one scaled image `[28, 28]`, without adding a batch axis.
pub fn predict_image<M: Classifier>(
    model: &M,
    image: ndarray::ArrayView2<f32>,
) -> Result<Array1<f32>> {
    let batch = image.insert_axis(Axis(0));
    Ok(predict(model, batch)?.row(0).to_owned())
}

/// Reads a PNG or JPEG photo of one garment and converts it with [`garment_image`].
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::InvalidArgument`] when it is
/// not a PNG or JPEG image that can be decoded.
pub fn read_garment_image(path: impl AsRef<Path>) -> Result<Array2<f32>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::io("reading", path, source))?;
    let decoded = image::load_from_memory(&bytes).map_err(|error| Error::InvalidArgument {
        what: format!("image file {}", path.display()),
        expected: "a PNG or JPEG image".into(),
        found: format!("data that cannot be decoded ({error})"),
    })?;
    Ok(garment_image(&decoded.to_luma8()))
}

/// Converts a greyscale photo of one garment to a scaled `[28, 28]` `f32` image in
/// [0, 1] the way Fashion-MNIST was made: a light garment on a dark background,
/// trimmed to the garment, its longer side resized to 28 pixels, centred.
///
/// The background brightness is the mean of the border pixels. When it is above mid
/// grey the image is inverted. The garment's bounding box contains the pixels more than
/// a quarter of the way from the background to the brightest pixel. A uniform image has
/// no such pixels and is kept whole.
pub fn garment_image(photo: &GrayImage) -> Array2<f32> {
    let mut grey = photo.clone();
    let (width, height) = grey.dimensions();
    if width == 0 || height == 0 {
        return Array2::zeros((IMAGE_SIDE, IMAGE_SIDE));
    }
    let border: Vec<f32> = grey
        .enumerate_pixels()
        .filter(|(x, y, _)| *x == 0 || *y == 0 || *x + 1 == width || *y + 1 == height)
        .map(|(_, _, pixel)| f32::from(pixel.0[0]))
        .collect();
    let mut background = border.iter().sum::<f32>() / border.len() as f32;
    if background > MAX_PIXEL / 2.0 {
        image::imageops::invert(&mut grey);
        background = MAX_PIXEL - background;
    }
    let brightest = grey.pixels().map(|pixel| pixel.0[0]).max().unwrap_or(0);
    let threshold = background + (f32::from(brightest) - background) / 4.0;
    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    for (x, y, pixel) in grey.enumerate_pixels() {
        if f32::from(pixel.0[0]) > threshold {
            left = left.min(x);
            top = top.min(y);
            right = right.max(x);
            bottom = bottom.max(y);
        }
    }
    if left > right {
        (left, top, right, bottom) = (0, 0, width - 1, height - 1);
    }
    let garment =
        image::imageops::crop_imm(&grey, left, top, right - left + 1, bottom - top + 1).to_image();

    let side = IMAGE_SIDE as u32;
    let longer = garment.width().max(garment.height());
    let fitted_width = (garment.width() * side / longer).max(1);
    let fitted_height = (garment.height() * side / longer).max(1);
    let fitted =
        image::imageops::resize(&garment, fitted_width, fitted_height, FilterType::Lanczos3);
    let mut canvas = GrayImage::new(side, side);
    image::imageops::overlay(
        &mut canvas,
        &fitted,
        i64::from((side - fitted_width) / 2),
        i64::from((side - fitted_height) / 2),
    );
    Array2::from_shape_fn((IMAGE_SIDE, IMAGE_SIDE), |(row, col)| {
        f32::from(canvas.get_pixel(col as u32, row as u32).0[0]) / MAX_PIXEL
    })
}
